import { z } from 'zod';
import { admissionIssues } from './admission.ts';
import { releaseSpecSchema } from './spec.ts';
import { releaseStatusSchema } from './status.ts';

/** Where Releases live in the Kubernetes API. */
export const releaseResource = {
  group: 'rollguard.dev',
  version: 'v1alpha1',
  apiVersion: 'rollguard.dev/v1alpha1',
  kind: 'Release',
  listKind: 'ReleaseList',
  plural: 'releases',
  singular: 'release',
  shortNames: ['rel'],
} as const;

// Only the metadata rollguard reads is typed; the rest (managedFields, ownerReferences...) is kept as is.
// Timestamps may arrive as strings (raw JSON) or Dates (the typed client's deserializer).
const objectMetaSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: z.union([z.string(), z.date()]).optional(),
});

/** A Release as stored by the API server; the one schema every part of rollguard reads Releases with. */
export const releaseSchema = z.object({
  apiVersion: z.literal(releaseResource.apiVersion),
  kind: z.literal(releaseResource.kind),
  metadata: objectMetaSchema,
  // What the API server admits; a workflow reading a recorded spec uses releaseSpecSchema alone.
  spec: releaseSpecSchema.superRefine((spec, ctx) => {
    for (const { path, message } of admissionIssues(spec)) ctx.addIssue({ code: 'custom', path, message });
  }),
  status: releaseStatusSchema.optional(),
});

export type Release = z.infer<typeof releaseSchema>;
/** A Release as a user writes it: fields with defaults may be left out. */
export type ReleaseInput = z.input<typeof releaseSchema>;

export interface FieldIssue {
  /** The field in Kubernetes notation, e.g. "spec.healthChecks.http[0].url". */
  field: string;
  message: string;
}

/** A Release that does not match the schema, with every bad field named. */
export class InvalidReleaseError extends Error {
  readonly issues: FieldIssue[];

  constructor(subject: string, issues: FieldIssue[]) {
    super(`${subject} is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidReleaseError';
    this.issues = issues;
  }
}

export type ParsedRelease = { ok: true; release: Release } | { ok: false; error: InvalidReleaseError };

/** Parses an object from the cluster (or a file) into a typed Release with every default applied. */
export function parseRelease(obj: unknown): ParsedRelease {
  const result = releaseSchema.safeParse(obj);
  if (result.success) return { ok: true, release: result.data };
  const issues = result.error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
  return { ok: false, error: new InvalidReleaseError(subjectOf(obj), issues) };
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][\w]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text || '(root)';
}

function subjectOf(obj: unknown): string {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (typeof meta?.name !== 'string') return 'Release';
  return typeof meta.namespace === 'string' ? `Release ${meta.namespace}/${meta.name}` : `Release ${meta.name}`;
}
