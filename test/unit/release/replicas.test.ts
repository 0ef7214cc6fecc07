import { describe, expect, it } from 'vitest';
import { releaseSpecSchema } from '../../../src/domain/api/index.ts';
import { templateHash } from '../../../src/activities/cluster/revisions.ts';
import { needsNoRollout, revisionTemplate } from '../../../src/domain/release/replicas.ts';
import { appRelease, type AppOptions } from '../../support/release-specs.ts';

const spec = (o: Partial<AppOptions> = {}) =>
  releaseSpecSchema.parse(appRelease('web', { image: 'example/web:v1', ...o }).spec);

describe('replicas are not part of a revision', () => {
  it('the same template at another replica count is the same revision', () => {
    expect(templateHash(spec({ replicas: 3 }).template)).toBe(templateHash(spec({ replicas: 7 }).template));
    expect(templateHash(spec().template)).not.toBe(templateHash(spec({ image: 'example/web:v2' }).template));
  });

  it('a revision records no replica count', () => {
    expect(revisionTemplate(spec({ replicas: 5 }).template)).not.toHaveProperty('replicas');
  });

  it.each([
    ['only the replica count', spec({ replicas: 5 }), true],
    ['only the deletion policy', { ...spec(), deletionPolicy: 'Delete' as const }, true],
    ['the image', spec({ image: 'example/web:v2' }), false],
    ['the analysis window', spec({ window: '45s' }), false],
    ['paused', spec({ paused: true }), false],
    ['a pod annotation', spec({ podAnnotations: { restartedAt: 'now' } }), false],
  ])('a change of %s is taken without a rollout: %s', (_what, next, noRollout) => {
    expect(needsNoRollout(spec(), next)).toBe(noRollout);
  });
});
