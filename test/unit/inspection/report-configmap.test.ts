import { describe, expect, it } from 'vitest';
import { configMapBudget, configMapData } from '../../../src/activities/inspection/publish.ts';
import { renderReportHtml } from '../../../src/domain/inspection/html.ts';
import { assembleReport } from '../../../src/domain/inspection/report.ts';
import { defaultInspectionSettings } from '../../../src/domain/inspection/settings.ts';
import type { TargetReport } from '../../../src/domain/inspection/types.ts';

const report = (releases: number) =>
  assembleReport({
    id: 'inspection/nightly',
    scope: {},
    settings: defaultInspectionSettings,
    startedAt: new Date('2026-11-26T02:00:00Z'),
    finishedAt: new Date('2026-11-26T02:01:00Z'),
    targets: Array.from({ length: releases }, (_, i): TargetReport => ({
      namespace: `team-${i % 20}`,
      name: `service-${i}`,
      status: 'Warning',
      findings: [
        {
          kind: 'PodNotReady',
          severity: 'Warning',
          subject: `pod service-${i}-7d9f8c6b5-x2x4q`,
          message: 'not Ready for 12m (longer than 5m): ContainerCreating',
          evidence: { value: 'NotReady', threshold: '5m', since: '2026-11-26T01:48:00.000Z' },
        },
      ],
      attempts: 1,
      durationMs: 30,
    })),
    cluster: { nodes: { total: 3, ready: 3 }, findings: [] },
  });

const bytes = (data: Record<string, string>) =>
  Object.values(data).reduce((sum, text) => sum + Buffer.byteLength(text), 0);

describe('the report in a ConfigMap (at most 1 MiB)', () => {
  it('holds the summary, the JSON and the HTML when they fit', () => {
    const r = report(10);
    const { data, truncated } = configMapData(r, renderReportHtml(r), JSON.stringify(r));
    expect(Object.keys(data)).toEqual(['summary.json', 'report.json', 'report.html']);
    expect(truncated).toBe(false);
  });

  it('leaves out what does not fit, the HTML first, and says so', () => {
    const r = report(2500);
    const html = renderReportHtml(r);
    const json = JSON.stringify(r);
    expect(Buffer.byteLength(html) + Buffer.byteLength(json)).toBeGreaterThan(configMapBudget);
    const { data, truncated } = configMapData(r, html, json);
    expect(truncated).toBe(true);
    expect(Object.keys(data)).toContain('summary.json');
    expect(Object.keys(data)).not.toContain('report.html');
    expect(bytes(data)).toBeLessThanOrEqual(configMapBudget);
    expect(JSON.parse(data['summary.json'] as string)).toMatchObject({ releases: 2500, counts: { Warning: 2500 } });
  });
});
