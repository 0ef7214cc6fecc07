import { describe, expect, it } from 'vitest';
import {
  findingsLimit,
  inspectionFailingNotification,
  inspectionFailureStreak,
  inspectionNotifications,
  type InspectionRecipients,
} from '../../../src/domain/inspection/notifications.ts';
import { assembleReport } from '../../../src/domain/inspection/report.ts';
import { defaultInspectionSettings } from '../../../src/domain/inspection/settings.ts';
import type { Finding, TargetReport } from '../../../src/domain/inspection/types.ts';
import { cloudEventType, renderNotification } from '../../../src/domain/notify/payloads.ts';
import type { SinkTarget } from '../../../src/domain/release/notifications.ts';

const run = '7d3e9a10-0000-4000-8000-00000000000a';
const manualEdit: Finding = {
  kind: 'ManualEdit',
  severity: 'Failing',
  subject: 'Deployment web',
  message: 'container app runs example/web:v2-broken, not the revision’s example/web:v1',
  evidence: { value: 'example/web:v2-broken', expected: 'example/web:v1', by: 'kubectl-patch' },
};
const podNotReady: Finding = { ...manualEdit, kind: 'PodNotReady', severity: 'Warning', subject: 'pod web-1' };
const target = (name: string, findings: Finding[]): TargetReport => ({
  namespace: 'shop',
  name,
  status: findings.some((f) => f.severity === 'Failing') ? 'Failing' : findings.length ? 'Warning' : 'Healthy',
  findings,
  attempts: 1,
  durationMs: 5,
});
const nodeDown: Finding = {
  kind: 'NodeNotReady',
  severity: 'Failing',
  subject: 'node kwok-node-1',
  message: 'not Ready',
  evidence: {},
};
const report = assembleReport({
  id: 'inspection/nightly-2026-11-26T02:00:00Z',
  schedule: 'nightly',
  scope: { namespace: 'shop' },
  settings: defaultInspectionSettings,
  startedAt: new Date('2026-11-26T02:00:00Z'),
  finishedAt: new Date('2026-11-26T02:00:03Z'),
  targets: [target('web', [podNotReady, manualEdit]), target('calm', []), target('api', [podNotReady])],
  cluster: { nodes: { total: 2, ready: 1 }, findings: [nodeDown] },
});
const location = {
  json: '/reports/latest.json',
  configMap: { namespace: 'ops', name: 'r', keys: [], truncated: false },
};
const teamSink: SinkTarget = {
  name: 'team',
  type: 'Webhook',
  urlFrom: { secretKeyRef: { name: 's', key: 'url' } },
  timeout: '5s',
  retries: 1,
  secretNamespace: 'shop',
};
const recipients = (over: Partial<InspectionRecipients> = {}): InspectionRecipients => ({
  operator: true,
  releases: [
    { namespace: 'shop', name: 'web', uid: 'uid-web', sinks: [teamSink] },
    { namespace: 'shop', name: 'api', uid: 'uid-api', sinks: [] },
  ],
  ...over,
});

describe("an inspection's notifications", () => {
  it('are one per Release with findings, carrying them worst first, and one of the cluster’s for the operator', () => {
    const sent = inspectionNotifications(report, location, recipients(), run);
    expect(sent.map((s) => [s.notification.release?.name ?? 'cluster', s.sinks.map((x) => x.name)])).toEqual([
      ['web', ['team']],
      ['api', []],
      ['cluster', []],
    ]);
    const web = sent[0]?.notification;
    expect(web).toMatchObject({
      id: `uid-web.${run}.InspectionFinding`,
      type: 'InspectionFinding',
      release: { namespace: 'shop', name: 'web', uid: 'uid-web' },
      status: 'Failing',
      time: '2026-11-26T02:00:03.000Z',
      inspection: { id: report.id, schedule: 'nightly', report: location },
      findingCount: 2,
    });
    expect(web?.findings?.map((f) => f.kind)).toEqual(['ManualEdit', 'PodNotReady']);
    expect(web?.message).toBe(`inspection ${report.id} found 2 findings (PodNotReady, ManualEdit)`);
    expect(sent[2]?.notification.id).toBe(`cluster.${run}.InspectionFinding`);
  });

  it('go only where someone takes them: no operator sink, a Release without its own, a Release gone', () => {
    const sent = inspectionNotifications(
      report,
      location,
      recipients({
        operator: false,
        releases: [{ namespace: 'shop', name: 'web', uid: 'uid-web', sinks: [teamSink] }],
      }),
      run,
    );
    expect(sent.map((s) => s.notification.release?.name)).toEqual(['web']);
  });

  it('carry at most a bounded number of findings, and say how many there were', () => {
    const many = Array.from({ length: findingsLimit + 5 }, () => podNotReady);
    const big = { ...report, targets: [target('web', many)] };
    const [only] = inspectionNotifications(big, location, recipients(), run);
    expect(only?.notification.findings).toHaveLength(findingsLimit);
    expect(only?.notification.findingCount).toBe(findingsLimit + 5);
    const slack = JSON.parse(renderNotification('Slack', only!.notification).body) as { text: string };
    expect(slack.text).toContain('… and 5 more in the report');
  });

  it('render for Slack as the Release and each finding, and as CloudEvents of the inspection types', () => {
    const [web, , cluster] = inspectionNotifications(report, location, recipients(), run).map((s) => s.notification);
    const text = (JSON.parse(renderNotification('Slack', web!).body) as { text: string }).text;
    expect(text.split('\n')).toEqual([
      `:mag: Release shop/web: inspection finding: inspection ${report.id} found 2 findings (PodNotReady, ManualEdit)`,
      `• Failing ManualEdit: Deployment web: ${manualEdit.message}`,
      `• Warning PodNotReady: pod web-1: ${manualEdit.message}`,
    ]);
    const event = JSON.parse(renderNotification('CloudEvents', cluster!).body) as Record<string, unknown>;
    expect(event).toMatchObject({
      id: cluster?.id,
      type: 'dev.rollguard.inspection.finding',
      source: '/rollguard/inspections',
      subject: 'cluster',
    });
    expect(cloudEventType('InspectionFailedRepeatedly')).toBe('dev.rollguard.inspection.failed-repeatedly');
    expect(renderNotification('Webhook', web!).headers['idempotency-key']).toBe(web?.id);
  });
});

describe('a scheduled inspection failing in a row', () => {
  it('counts this run and the earlier ones that failed, back to the last that did not, passing over one still running', () => {
    expect(inspectionFailureStreak([])).toBe(1);
    expect(inspectionFailureStreak(['FAILED', 'TIMED_OUT', 'COMPLETED', 'FAILED'])).toBe(3);
    expect(inspectionFailureStreak(['RUNNING', 'FAILED', 'FAILED'])).toBe(3);
    expect(inspectionFailureStreak(['COMPLETED', 'FAILED'])).toBe(1);
    expect(inspectionFailureStreak(['TERMINATED', 'FAILED'])).toBe(1);
  });

  it('is told once, naming the Schedule, the count and the last reason', () => {
    const n = inspectionFailingNotification(
      { id: 'inspection/nightly-2026', schedule: 'nightly' },
      { run, failuresInARow: 3, reason: 'cannot list the Releases', time: '2026-11-26T02:00:00Z' },
    );
    expect(n).toEqual({
      id: `inspection.${run}.InspectionFailedRepeatedly`,
      type: 'InspectionFailedRepeatedly',
      message: 'inspection Schedule nightly failed 3 times in a row; the last run: cannot list the Releases',
      time: '2026-11-26T02:00:00Z',
      inspection: { id: 'inspection/nightly-2026', schedule: 'nightly', failuresInARow: 3 },
    });
    expect(JSON.parse(renderNotification('Slack', n).body)).toEqual({
      text: `:rotating_light: inspection Schedule nightly: inspection failing repeatedly: ${n.message}`,
    });
  });
});
