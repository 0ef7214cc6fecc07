import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/telemetry/metrics.ts';
import {
  dashboardQueries,
  documentedAlertQueries,
  metricNames,
  temporalMetricFamilies,
} from '../../support/dashboard.ts';

/** A family and the series names it is scraped as (a histogram's _bucket, _sum and _count). */
const seriesOf = (family: string, type: string): string[] =>
  type === 'histogram' || type === 'summary'
    ? [family, `${family}_bucket`, `${family}_sum`, `${family}_count`]
    : [family];

describe('the Grafana dashboard (deploy/grafana/rollguard.json)', () => {
  it('reads the PromQL of a query as its metric names', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, kind) (rate(rollguard_health_probe_duration_seconds_bucket{namespace=~"$namespace"}[$__rate_interval])))',
      ),
    ).toEqual(['rollguard_health_probe_duration_seconds_bucket']);
    expect(metricNames('sum(a_total) / on (job) group_left b + 2')).toEqual(['a_total', 'b']);
  });

  it('names, as the alerts of docs/observability.md do, only metrics rollguard serves: its own, the process’s and the Temporal worker’s', async () => {
    const own = (await registry.getMetricsAsJSON()).flatMap((m) => seriesOf(m.name, String(m.type)));
    const temporal = temporalMetricFamilies().flatMap((f) => seriesOf(f, f.endsWith('_seconds') ? 'histogram' : ''));
    const served = new Set([...own, ...temporal]);
    const queries = [...dashboardQueries(), ...documentedAlertQueries()];
    expect(documentedAlertQueries()).toHaveLength(4);
    expect(queries.length).toBeGreaterThan(20);
    const unknown = queries.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !served.has(name))
        .map((name) => `${name} (${where})`),
    );
    expect(unknown).toEqual([]);
  });
});
