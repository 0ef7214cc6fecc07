import { describe, expect, it } from 'vitest';
import { releaseSpecSchema } from '../../../src/domain/api/index.ts';
import { specProblems } from '../../../src/domain/release/analysis-plan.ts';
import { appRelease, type AppOptions } from '../../support/release-specs.ts';

const spec = (o: Partial<AppOptions>) =>
  releaseSpecSchema.parse(appRelease('web', { image: 'example/web:v1', ...o }).spec);

describe('what the workflow refuses in a spec the API server accepted', () => {
  it('a failure weight no failures can reach: no revision could ever fail', () => {
    const problems = specProblems(
      spec({ failureWeight: 20, http: [{ name: 'healthz', url: 'http://web/', weight: 5 }] }),
      {},
    );
    expect(problems).toEqual([
      expect.stringMatching(/^spec\.analysis\.failureWeight: 20 is more than the weight of every check together \(8\)/),
    ]);
  });

  it('a failure weight the checks together can reach is fine', () => {
    expect(
      specProblems(spec({ failureWeight: 8, http: [{ name: 'healthz', url: 'http://web/', weight: 5 }] }), {}),
    ).toEqual([]);
  });
});
