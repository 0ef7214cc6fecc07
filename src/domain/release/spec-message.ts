import { releaseSpecSchema } from '../api/index.ts';
import type { SpecMessage } from './records.ts';

/**
 * A spec message checked against the Release schema, with its defaults filled in. Messages can come
 * from any Temporal client, so a malformed one is refused with a reason, never acted on.
 */
export function readSpecMessage(raw: unknown): SpecMessage | { invalid: string } {
  const { generation, spec } = (raw ?? {}) as Record<string, unknown>;
  if (!Number.isInteger(generation) || (generation as number) < 1)
    return { invalid: 'generation must be a positive whole number' };
  const parsed = releaseSpecSchema.safeParse(spec);
  if (!parsed.success)
    return {
      invalid: `spec is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  return { generation: generation as number, spec: parsed.data };
}
