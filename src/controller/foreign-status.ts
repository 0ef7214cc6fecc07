import type { KubernetesObject } from '@kubernetes/client-node';
import { statusManager } from '../domain/release/ref.ts';

/** A write of the Release's status by someone other than rollguard. */
export interface ForeignStatusWrite {
  writtenBy: string;
  /** Names this write (its manager and time), so it is answered once. */
  key: string;
}

/**
 * Who wrote the Release's status last, when that was not rollguard: the newest managedFields entry of
 * the status subresource that is not rollguard's and is not older than rollguard's own. Times have a
 * resolution of a second, so a write in the same second as rollguard's counts as foreign; the key
 * (manager and time) keeps an answer from being answered again.
 */
export function foreignStatusWrite(object: KubernetesObject): ForeignStatusWrite | undefined {
  const writes = (object.metadata?.managedFields ?? [])
    .filter((entry) => entry.subresource === 'status' && entry.manager)
    .map((entry) => ({ manager: entry.manager as string, at: entry.time ? new Date(entry.time).getTime() : 0 }));
  const ours = Math.max(-1, ...writes.filter((w) => w.manager === statusManager).map((w) => w.at));
  const newest = writes.filter((w) => w.manager !== statusManager && w.at >= ours).sort((a, b) => b.at - a.at)[0];
  return newest ? { writtenBy: newest.manager, key: `${newest.manager}@${newest.at}` } : undefined;
}
