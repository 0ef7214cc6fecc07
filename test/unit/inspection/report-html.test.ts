import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReportHtml } from '../../../src/domain/inspection/html.ts';
import { assembleReport, isClean, summarize } from '../../../src/domain/inspection/report.ts';
import { defaultInspectionSettings } from '../../../src/domain/inspection/settings.ts';
import type { Finding, TargetReport } from '../../../src/domain/inspection/types.ts';

const failing: Finding = {
  kind: 'ManualEdit',
  severity: 'Failing',
  subject: 'Deployment web, container app',
  message: 'image web:hotfix, but revision 2 has web:v2',
  evidence: { value: 'web:hotfix', expected: 'web:v2', since: '2026-11-26T11:55:00.000Z', by: 'kubectl-patch' },
};

const target = (namespace: string, name: string, findings: Finding[] = []): TargetReport => ({
  namespace,
  name,
  status: findings.length ? 'Failing' : 'Healthy',
  phase: 'Ready',
  currentRevision: 2,
  deploymentRevision: 2,
  findings,
  attempts: 1,
  durationMs: 12,
});

const report = (targets: TargetReport[], clusterFindings: Finding[] = []) =>
  assembleReport({
    id: 'inspection/nightly-2026-11-26T02:00:00Z',
    schedule: 'nightly',
    scope: {},
    settings: defaultInspectionSettings,
    startedAt: new Date('2026-11-26T02:00:00Z'),
    finishedAt: new Date('2026-11-26T02:00:04.5Z'),
    targets,
    cluster: { nodes: { total: 3, ready: 3 }, findings: clusterFindings },
  });

describe('the inspection report', () => {
  it('puts the failing Releases first, counts them by status and the findings by kind', () => {
    const r = report([target('a', 'calm'), target('b', 'web', [failing]), target('a', 'api', [failing])]);
    expect(r.targets.map((t) => `${t.namespace}/${t.name}`)).toEqual(['a/api', 'b/web', 'a/calm']);
    expect(r.counts).toEqual({ Failing: 2, Error: 0, Warning: 0, Healthy: 1 });
    expect(r.findingsByKind).toEqual({ ManualEdit: 2 });
    expect(r.durationMs).toBe(4500);
    expect(isClean(r)).toBe(false);
    expect(summarize(r, {}).notHealthy.map((t) => t.name)).toEqual(['api', 'web']);
  });

  it('is clean only when every Release and the cluster are Healthy', () => {
    expect(isClean(report([target('a', 'calm')]))).toBe(true);
    const node: Finding = { kind: 'NodeNotReady', severity: 'Failing', subject: 'node n1', message: 'x', evidence: {} };
    expect(isClean(report([target('a', 'calm')], [node]))).toBe(false);
  });
});

describe('the HTML report', () => {
  it('needs nothing outside itself: inline style and script, and a policy that forbids any request', () => {
    const html = renderReportHtml(report([target('shop', 'web', [failing])]));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=|https?:\/\//);
    expect(html).toContain('<style>');
    expect(html).toContain('<script>');
  });

  it('shows the summary first, then each namespace with its worst Release first and each finding’s evidence', () => {
    const html = renderReportHtml(report([target('shop', 'calm'), target('shop', 'web', [failing])]));
    const summary = html.indexOf('class="summary"');
    const web = html.indexOf('data-sort="web"');
    const calm = html.indexOf('data-sort="calm"');
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(web);
    expect(web).toBeLessThan(calm);
    expect(html).toContain('<b>1</b> Failing');
    expect(html).toContain('4.5 s');
    for (const text of ['web:hotfix', 'web:v2', '2026-11-26T11:55:00.000Z', 'kubectl-patch'])
      expect(html).toContain(text);
  });

  it('escapes every value from the cluster, so a name or a message cannot inject markup', () => {
    const hostile: Finding = {
      ...failing,
      subject: '<img src=x onerror=alert(1)>',
      message: '</script><script>alert(1)</script>',
      evidence: { value: '"><b>x</b>', by: "it's me & you" },
    };
    const html = renderReportHtml(report([target('ns"<x>', 'a<b>', [hostile])]));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).not.toContain('"><b>x</b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('it&#39;s me &amp; you');
    expect(html).toContain('ns&quot;&lt;x&gt;');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('says so when no Release matched', () => {
    expect(renderReportHtml(report([]))).toContain('No Release matched.');
  });
});
