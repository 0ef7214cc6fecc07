import { describe, expect, it } from 'vitest';
import { deploymentName, releaseLabelValue, revisionObjectName } from '../../../src/domain/release/names.ts';
import { olderOverlapping, selectorsOverlap } from '../../../src/domain/release/selectors.ts';
import { templateProblems } from '../../../src/domain/release/template-checks.ts';
import { maxWorkflowIdLength, releaseWorkflowId } from '../../../src/domain/release/ref.ts';

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('names derived from a Release name', () => {
  it('are the name itself while it fits', () => {
    expect(releaseLabelValue('web')).toBe('web');
    expect(revisionObjectName('web', 3)).toBe('web-3');
  });

  it('fit a label value (63) and an object name (253) for the longest Release names, and stay distinct', () => {
    const long = `${'a'.repeat(60)}-${'b'.repeat(60)}.${'c'.repeat(60)}`;
    const other = `${'a'.repeat(60)}-${'b'.repeat(60)}.${'d'.repeat(60)}`;
    for (const name of [long, other, 'x'.repeat(253)]) {
      expect(releaseLabelValue(name).length).toBeLessThanOrEqual(63);
      expect(releaseLabelValue(name)).toMatch(labelValue);
      expect(revisionObjectName(name, 2 ** 31 - 1).length).toBeLessThanOrEqual(253);
      // Its ReplicaSets are named after it, with a dash and a 10-character hash.
      expect(deploymentName(name).length + 11).toBeLessThanOrEqual(253);
    }
    expect(releaseLabelValue(long)).not.toBe(releaseLabelValue(other));
    expect(revisionObjectName('x'.repeat(253), 1)).not.toBe(revisionObjectName(`${'x'.repeat(252)}y`, 1));
  });
});

describe('overlapping selectors', () => {
  it.each([
    [{ app: 'web' }, { app: 'web' }, true],
    [{ app: 'web' }, { app: 'web', tier: 'fe' }, true],
    [{ app: 'web' }, { team: 'a' }, true],
    [{ app: 'web' }, { app: 'api' }, false],
    [{ app: 'web', tier: 'fe' }, { app: 'web', tier: 'be' }, false],
  ])('%j and %j overlap: %s', (a, b, overlap) => {
    expect(selectorsOverlap(a, b)).toBe(overlap);
    expect(selectorsOverlap(b, a)).toBe(overlap);
  });

  it('refuse the newer Release only', () => {
    const older = {
      namespace: 'n',
      name: 'web',
      uid: '1',
      createdAt: '2026-01-01T00:00:00Z',
      matchLabels: { app: 'web' },
    };
    const newer = {
      namespace: 'n',
      name: 'web2',
      uid: '2',
      createdAt: '2026-01-02T00:00:00Z',
      matchLabels: { app: 'web' },
    };
    const apart = {
      namespace: 'n',
      name: 'api',
      uid: '3',
      createdAt: '2025-01-01T00:00:00Z',
      matchLabels: { app: 'api' },
    };
    expect(olderOverlapping(newer, [older, newer, apart]).map((o) => o.name)).toEqual(['web']);
    expect(olderOverlapping(older, [older, newer, apart])).toEqual([]);
  });
});

describe('resource quantities in a pod template', () => {
  const template = (resources: unknown) =>
    ({
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', resources }] } },
    }) as never;

  it('a valid one passes', () => {
    expect(
      templateProblems(
        template({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 2, 'nvidia.com/gpu': '1' } }),
      ),
    ).toEqual([]);
  });

  it.each(['lots', '', '1.5.5', '10 Gi'])('%j is refused, naming the field', (value) => {
    expect(templateProblems(template({ limits: { cpu: value } }))).toEqual([
      `spec.template.template.spec.containers[0].resources.limits.cpu: ${JSON.stringify(value)} is not a quantity (such as "500m", "1Gi" or "2")`,
    ]);
  });
});

describe('a Release’s workflow id', () => {
  const uid = '0c8a2b9e-3f1d-4b6a-9e2f-7d5c4b3a2f10';

  it('is release/<namespace>/<name>/<uid> while that fits', () => {
    expect(releaseWorkflowId({ namespace: 'shop', name: 'web', uid })).toBe(`release/shop/web/${uid}`);
  });

  it('fits the 255 characters Temporal stores on SQL for the longest namespace and name, and stays the Release’s own', () => {
    const namespace = 'n'.repeat(63);
    const name = 'x'.repeat(253);
    const id = releaseWorkflowId({ namespace, name, uid });
    expect(id.length).toBe(maxWorkflowIdLength);
    expect(id.startsWith(`release/${namespace}/xxx`)).toBe(true);
    expect(id.endsWith(`/${uid}`)).toBe(true);
    expect(releaseWorkflowId({ namespace, name, uid: uid.replace('0c8a', '1c8a') })).not.toBe(id);
  });
});
