import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** The Content-Type that tells the API server how to read a patch, one per kind rollguard sends. */
export const patchContentType = {
  /** RFC 7386: a partial object; null removes a field. */
  merge: setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  /** RFC 6902: operations, whose `test` makes a concurrent change fail instead of being overwritten. */
  json: setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  /** Server-side apply: the object as its field manager wants it. */
  apply: setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
} as const;

export type PatchKind = keyof typeof patchContentType;
