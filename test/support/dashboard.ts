import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const dashboardFile = fileURLToPath(new URL('../../deploy/grafana/rollguard.json', import.meta.url));
export const observabilityDoc = fileURLToPath(new URL('../../docs/observability.md', import.meta.url));
export const temporalMetricsFile = fileURLToPath(new URL('../fixtures/temporal-worker-metrics.txt', import.meta.url));

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { definition?: string }[] };
}

/** Every PromQL expression of the dashboard (panels and template variables), with where it is. */
export function dashboardQueries(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
  const fromPanels = (panels: Panel[]): { where: string; expr: string }[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).flatMap((t) => (t.expr ? [{ where: `panel "${panel.title}"`, expr: t.expr }] : [])),
      ...fromPanels(panel.panels ?? []),
    ]);
  const fromVariables = dashboard.templating.list.flatMap((v) =>
    v.definition
      ? [{ where: 'a template variable', expr: v.definition.replace(/^label_values\((\w+),.*$/, '$1') }]
      : [],
  );
  return [...fromPanels(dashboard.panels), ...fromVariables];
}

const notMetrics = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges,
 * grouping clauses, function calls and numbers are taken out.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)].flatMap((m) => (m[2] ? [] : [m[1] ?? '']));
  return [...new Set(names.filter((name) => !notMetrics.has(name) && !/^\d/.test(name)))];
}

/** The Temporal worker's metric families rollguard serves (a scrape's, kept in test/fixtures). */
export const temporalMetricFamilies = (): string[] =>
  readFileSync(temporalMetricsFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('temporal_'));

/** The PromQL of the alerts docs/observability.md suggests (its `expr:` lines). */
export const documentedAlertQueries = (): { where: string; expr: string }[] =>
  [...readFileSync(observabilityDoc, 'utf8').matchAll(/^\s+expr: (.+)$/gm)].map((m) => ({
    where: 'an alert of docs/observability.md',
    expr: m[1] ?? '',
  }));
