import { describe, expect, it } from 'vitest';
import {
  clusterFindings,
  releaseFindings,
  statusOf,
  type ReleaseObservation,
} from '../../../src/domain/inspection/findings.ts';
import { defaultInspectionSettings, inspectionSettings } from '../../../src/domain/inspection/settings.ts';

const now = Date.parse('2026-11-26T12:00:00Z');
const minutesAgo = (m: number): string => new Date(now - m * 60_000).toISOString();

/** A Ready Release at revision 2 whose Deployment, pods and checks are all as they should be. */
const healthy = (over: Partial<ReleaseObservation> = {}): ReleaseObservation => ({
  namespace: 'shop',
  name: 'web',
  phase: 'Ready',
  currentRevision: 2,
  stableRevision: 2,
  phaseSince: minutesAgo(60),
  deployment: { name: 'web', revision: 2, replicas: 3, available: 3, ready: 3, updated: 3, images: { app: 'web:v2' } },
  revisionImages: { app: 'web:v2' },
  revisionReplicas: 3,
  missingRevisions: [],
  pods: [{ name: 'web-1', ready: true, readySince: minutesAgo(50), restarts: 0 }],
  checks: [{ name: 'healthz', kind: 'HTTP', outcome: 'Pass', weight: 5, reason: 'ok' }],
  ...over,
});

const kinds = (seen: ReleaseObservation) =>
  releaseFindings(seen, defaultInspectionSettings, now).map((f) => `${f.severity} ${f.kind}`);

describe('the findings of a Release', () => {
  it('a Release as it should be has none, and is Healthy', () => {
    const findings = releaseFindings(healthy(), defaultInspectionSettings, now);
    expect(findings).toEqual([]);
    expect(statusOf(findings)).toBe('Healthy');
  });

  it('an image patched by hand is a ManualEdit naming the image seen, the revision’s, who and when', () => {
    const edited = healthy({
      deployment: {
        ...healthy().deployment!,
        images: { app: 'web:hotfix' },
        lastForeignEdit: { manager: 'kubectl-patch', time: minutesAgo(5) },
      },
    });
    const [finding] = releaseFindings(edited, defaultInspectionSettings, now);
    expect(finding).toMatchObject({
      kind: 'ManualEdit',
      severity: 'Failing',
      subject: 'Deployment web, container app',
      evidence: { value: 'web:hotfix', expected: 'web:v2', by: 'kubectl-patch', since: minutesAgo(5) },
    });
    expect(finding?.message).toContain('rollguard rollback');
  });

  it('a replica count changed by hand is only a warning: an autoscaler may own it', () => {
    expect(kinds(healthy({ deployment: { ...healthy().deployment!, replicas: 5, available: 5 } }))).toEqual([
      'Warning ManualEdit',
    ]);
  });

  it.each([
    [
      'the Deployment runs another revision',
      { deployment: { ...healthy().deployment!, revision: 1 } },
      ['Failing RevisionMismatch'],
    ],
    ['the Deployment is gone', { deployment: undefined }, ['Failing DeploymentMissing']],
    [
      'fewer replicas are available than asked',
      { deployment: { ...healthy().deployment!, available: 1, unavailableSince: minutesAgo(3) } },
      ['Failing NotAvailable'],
    ],
    [
      'the current revision’s snapshot is gone',
      { missingRevisions: [2], revisionImages: undefined },
      ['Failing RevisionMissing'],
    ],
    [
      'the stable revision’s snapshot is gone',
      { stableRevision: 1, missingRevisions: [1] },
      ['Warning RevisionMissing'],
    ],
    [
      'a check fails now',
      { checks: [{ name: 'healthz', kind: 'HTTP', outcome: 'Fail', value: 2, weight: 5, reason: 'status 503' }] },
      ['Failing CheckFailing'],
    ],
    [
      'a check cannot be measured now',
      { checks: [{ name: 'errors', kind: 'Prometheus', outcome: 'Inconclusive', weight: 4, reason: 'no data' }] },
      ['Warning CheckInconclusive'],
    ],
    ['the last rollout failed', { phase: 'Failed' }, ['Warning ReleaseFailed']],
  ] as [string, Partial<ReleaseObservation>, string[]][])('%s', (_, over, expected) => {
    expect(kinds(healthy(over))).toEqual(expected);
  });

  it('a rollout in flight makes a revision mismatch and missing replicas warnings, until it is stuck', () => {
    const rolling = healthy({
      phase: 'Progressing',
      phaseSince: minutesAgo(2),
      currentRevision: 3,
      deployment: { ...healthy().deployment!, available: 2 },
    });
    expect(kinds(rolling)).toEqual(['Warning RevisionMismatch', 'Warning NotAvailable']);
    const stuck = { ...rolling, phaseSince: minutesAgo(45) };
    const findings = releaseFindings(stuck, defaultInspectionSettings, now);
    expect(findings[0]).toMatchObject({
      kind: 'StuckInPhase',
      severity: 'Failing',
      evidence: { value: 'Progressing', threshold: '30m', since: minutesAgo(45) },
    });
    expect(findings[0]?.message).toContain('Progressing for 45m');
  });

  it('a pod in CrashLoopBackOff, or past the restart threshold, is crash-looping; one long not Ready is a warning', () => {
    const pods = [
      { name: 'a', ready: false, restarts: 1, waiting: { container: 'app', reason: 'CrashLoopBackOff' } },
      { name: 'b', ready: true, restarts: 3 },
      { name: 'c', ready: false, readySince: minutesAgo(10), restarts: 0 },
      { name: 'd', ready: false, readySince: minutesAgo(1), restarts: 0 },
    ];
    const findings = releaseFindings(healthy({ pods }), defaultInspectionSettings, now);
    expect(findings.map((f) => `${f.kind} ${f.subject}`)).toEqual([
      'CrashLooping pod a',
      'CrashLooping pod b',
      'PodNotReady pod c',
    ]);
    expect(findings[1]?.evidence).toMatchObject({ value: 3, threshold: 3 });
  });

  it('lists failing findings before warnings', () => {
    const seen = healthy({
      phase: 'Failed',
      checks: [{ name: 'healthz', kind: 'HTTP', outcome: 'Fail', value: 1, weight: 5, reason: 'status 500' }],
    });
    expect(kinds(seen)).toEqual(['Failing CheckFailing', 'Warning ReleaseFailed']);
  });
});

describe('the findings of the cluster', () => {
  it('names each node that is not Ready and an API server that is not ready', () => {
    const findings = clusterFindings({
      nodes: [
        { name: 'n1', ready: true },
        { name: 'n2', ready: false, since: minutesAgo(7), reason: 'NodeStatusUnknown' },
      ],
      readyz: { ok: false, status: 500, failing: ['etcd'] },
    });
    expect(findings.map((f) => [f.kind, f.subject])).toEqual([
      ['NodeNotReady', 'node n2'],
      ['ApiServerNotReady', 'API server /readyz'],
    ]);
    expect(findings[1]?.message).toContain('failing: etcd');
    expect(statusOf(findings)).toBe('Failing');
    expect(clusterFindings({ nodes: [{ name: 'n1', ready: true }], readyz: { ok: true, failing: [] } })).toEqual([]);
  });
});

describe('inspection settings', () => {
  it('default to the article’s 20 at once and 2 retries, and take any value in range', () => {
    expect(inspectionSettings({})).toEqual({ ok: true, settings: defaultInspectionSettings });
    expect(defaultInspectionSettings).toMatchObject({ concurrency: 20, retries: 2 });
    expect(inspectionSettings({ concurrency: 200, retries: 0 })).toMatchObject({
      ok: true,
      settings: { concurrency: 200, retries: 0 },
    });
  });

  it('refuse a value out of range or not whole, naming each setting', () => {
    expect(inspectionSettings({ concurrency: 0, retries: 1.5 })).toEqual({
      ok: false,
      problems: [
        'concurrency: 0 is not a whole number from 1 to 500',
        'retries: 1.5 is not a whole number from 0 to 10',
      ],
    });
  });
});
