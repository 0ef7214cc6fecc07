import { parseRelease, type Release, type ReleaseStatus } from '../../../src/domain/api/index.ts';
import type { ReleaseView } from '../../../src/cli/release-view.ts';
import type { ReleaseSnapshot } from '../../../src/domain/release/records.ts';
import { appRelease } from '../../support/release-specs.ts';

export const now = new Date('2026-01-01T12:00:00Z');
export const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

/** The Release "web" in namespace "shop" at generation 3, with the status given. */
export function webRelease(status?: ReleaseStatus): Release {
  const parsed = parseRelease({
    ...appRelease('web', { image: 'example/web:v3' }),
    metadata: { name: 'web', namespace: 'shop', uid: 'u-1', generation: 3, creationTimestamp: ago(600) },
    ...(status ? { status } : {}),
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.release;
}

export const condition = (
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  observedGeneration = 3,
) => ({ type, status, reason, message, lastTransitionTime: ago(30), observedGeneration });

export function view(release: Release, snapshot?: Partial<ReleaseSnapshot>): ReleaseView {
  return {
    release,
    workflowId: 'release/shop/web/u-1',
    temporalNamespace: 'default',
    ...(snapshot
      ? {
          snapshot: {
            ref: { namespace: 'shop', name: 'web', uid: 'u-1' },
            phase: 'Pending',
            generation: 3,
            paused: false,
            conditions: [],
            revisions: [],
            history: [],
            ...snapshot,
          },
        }
      : { unanswered: 'the workflow did not answer within 3s: is a rollguard worker running?' }),
  };
}
