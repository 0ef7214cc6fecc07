import { describe, expect, it } from 'vitest';
import { weighBackendRefs, type RouteRule } from '../../../src/domain/release/route-weights.ts';

const services = { httpRoute: 'web', stableService: 'web-stable', canaryService: 'web-canary' };
const rule = (...names: string[]): RouteRule => ({
  matches: [{ path: { type: 'PathPrefix', value: '/' } }],
  backendRefs: names.map((name) => ({ name, port: 80 })),
});

describe('the weights of an HTTPRoute', () => {
  it('go on the backendRefs of the two Services, every other field of the rule kept', () => {
    expect(weighBackendRefs([rule('web-stable', 'web-canary')], services, { stable: 60, canary: 40 }, 'shop')).toEqual({
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { name: 'web-stable', port: 80, weight: 60 },
            { name: 'web-canary', port: 80, weight: 40 },
          ],
        },
      ],
    });
  });

  it('leave rules that send elsewhere alone', () => {
    const other = rule('docs');
    const result = weighBackendRefs(
      [other, rule('web-stable', 'web-canary')],
      services,
      { stable: 0, canary: 100 },
      'shop',
    );
    expect(result).toMatchObject({ rules: [other, { backendRefs: [{ weight: 0 }, { weight: 100 }] }] });
  });

  it('ignore a backendRef to a Service of the same name in another namespace', () => {
    const refs = [
      { name: 'web-stable', port: 80 },
      { name: 'web-canary', port: 80 },
      { name: 'web-canary', namespace: 'other', port: 80 },
    ];
    const result = weighBackendRefs([{ backendRefs: refs }], services, { stable: 90, canary: 10 }, 'shop');
    expect(result).toEqual({
      rules: [{ backendRefs: [{ ...refs[0], weight: 90 }, { ...refs[1], weight: 10 }, refs[2]] }],
    });
  });

  it('cannot be set on a route that does not send to the Services, and say so', () => {
    expect(weighBackendRefs([rule('docs')], services, { stable: 80, canary: 20 }, 'shop')).toEqual({
      problem: 'HTTPRoute web has no rule whose backendRefs name the Services web-stable and web-canary',
    });
  });

  it('cannot be set on a rule that sends to only one of the Services, naming the rule and the one missing', () => {
    expect(
      weighBackendRefs(
        [rule('web-stable', 'web-canary'), rule('web-stable')],
        services,
        { stable: 80, canary: 20 },
        'shop',
      ),
    ).toEqual({
      problem: 'HTTPRoute web: rule 1 sends to web-stable but not to web-canary; list both Services in its backendRefs',
    });
  });

  it('cannot be set on a rule that lists a Service twice', () => {
    expect(
      weighBackendRefs([rule('web-stable', 'web-canary', 'web-canary')], services, { stable: 80, canary: 20 }, 'shop'),
    ).toEqual({
      problem: 'HTTPRoute web: rule 0 lists web-canary more than once in its backendRefs; list each Service once',
    });
  });
});
