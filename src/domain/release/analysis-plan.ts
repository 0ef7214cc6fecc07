import type { RecordedVerdict, ReleaseSpec } from '../api/index.ts';
import { parseDuration } from '../api/durations.ts';
import { redactUrl } from '../health/egress.ts';
import { targetUrls } from '../health/targets.ts';
import type { HeaderSource } from '../health/check-headers.ts';
import type { AnalysisInput, CheckResult } from '../health/types.ts';
import type { Verdict } from '../health/verdict.ts';
import { headerSources } from './header-sources.ts';

/**
 * Maps a Release's health spec onto the health gates' input. Pure, so the workflow can call it: the
 * pod IPs of the revision (for per-pod HTTP checks) and the operator's default Prometheus address come
 * from the caller.
 */
export function analysisInput(
  spec: ReleaseSpec,
  {
    podIps,
    defaultPrometheus,
    readiness,
    namespace,
    queryVariables = {},
  }: {
    podIps: string[];
    defaultPrometheus?: string;
    readiness: CheckResult;
    namespace: string;
    /** What `{{name}}` in a PromQL query stands for: the revision analysed, and a canary's track. */
    queryVariables?: Record<string, string>;
  },
): AnalysisInput {
  const { http, prometheus } = spec.healthChecks;
  const intervals = [...http, ...prometheus].map((check) => parseDuration(check.interval));
  return {
    windowMs: parseDuration(spec.analysis.window),
    // Each check carries its own interval; this one is for readers of inputs recorded before they did.
    intervalMs: intervals.length ? Math.min(...intervals) : parseDuration(spec.analysis.window),
    readiness,
    stopAtFailingWeight: spec.analysis.failureWeight,
    http: http.map((check) => ({
      name: check.name,
      // The API refuses credentials in URLs; one stored before it did is not sent, nor recorded in history.
      urls: check.url
        ? [redactUrl(check.url)]
        : targetUrls({ port: portNumber(spec, check.port), path: check.path ?? '/' }, podIps),
      ...(check.url ? {} : { pods: true }),
      intervalMs: parseDuration(check.interval),
      timeoutMs: parseDuration(check.timeout),
      retries: check.retries,
      expectedStatus: check.expectStatus,
      ...(check.bodyContains ? { body: { contains: check.bodyContains } } : {}),
      failureThreshold: check.failureThreshold,
      weight: check.weight,
      ...headerSources(check.headers, namespace),
    })),
    prometheus: prometheus.map((check) => ({
      name: check.name,
      address: check.address ? redactUrl(check.address) : (defaultPrometheus ?? ''),
      query: fillQuery(check.query, queryVariables),
      ...(check.min !== undefined ? { min: check.min } : {}),
      ...(check.max !== undefined ? { max: check.max } : {}),
      noData: check.noData,
      intervalMs: parseDuration(check.interval),
      failureThreshold: check.failureThreshold,
      weight: check.weight,
      ...headerSources(check.headers, namespace),
    })),
  };
}

/**
 * The Prometheus servers a spec's checks query, each with the field that names it and the headers its
 * check sends (a Prometheus behind an authenticating proxy answers only with them).
 */
export function prometheusAddresses(
  spec: ReleaseSpec,
  { defaultPrometheus, namespace }: { defaultPrometheus?: string; namespace: string },
): { field: string; address: string; headers?: HeaderSource[] }[] {
  const seen = new Set<string>();
  return spec.healthChecks.prometheus.flatMap((check, i) => {
    const address = check.address ?? defaultPrometheus;
    const headers = headerSources(check.headers, namespace);
    const asked = JSON.stringify([address, headers]);
    if (!address || seen.has(asked)) return [];
    seen.add(asked);
    return [
      {
        field: check.address
          ? `spec.healthChecks.prometheus[${i}].address`
          : 'the default Prometheus (ROLLGUARD_PROMETHEUS_URL)',
        address,
        ...headers,
      },
    ];
  });
}

/** What of the spec the API server cannot check and the workflow must refuse: a person can act on each line. */
export function specProblems(
  spec: ReleaseSpec,
  { defaultPrometheus, routed = true }: { defaultPrometheus?: string; routed?: boolean },
): string[] {
  const problems: string[] = [];
  spec.healthChecks.prometheus.forEach((check, i) => {
    if (!check.address && !defaultPrometheus) {
      problems.push(
        `spec.healthChecks.prometheus[${i}].address: check "${check.name}" has no address and rollguard has no default Prometheus (set ROLLGUARD_PROMETHEUS_URL or the address)`,
      );
    }
  });
  spec.healthChecks.http.forEach((check, i) => {
    if (check.port !== undefined && Number.isNaN(portNumber(spec, check.port))) {
      problems.push(
        `spec.healthChecks.http[${i}].port: no container of the pod template declares a port named "${check.port}"`,
      );
    }
  });
  // Runs that began before rollguard moved traffic by a router refused both, and replay so (routed false).
  if (spec.strategy?.blueGreen && !routed)
    problems.push(
      'spec.strategy.blueGreen: this version of rollguard does not roll out blue-green yet; use canary (without trafficRouting) or rolling',
    );
  if (spec.strategy?.canary?.trafficRouting && !routed)
    problems.push(
      "spec.strategy.canary.trafficRouting: this version of rollguard moves a canary's traffic by pod counts only; remove trafficRouting (the canary gets its share of the pods behind the same Service)",
    );
  // A threshold no combination of failures can reach makes every revision healthy, whatever happens.
  const { readiness, http, prometheus } = spec.healthChecks;
  const total = readiness.weight + [...http, ...prometheus].reduce((sum, check) => sum + check.weight, 0);
  if (spec.analysis.failureWeight > total) {
    problems.push(
      `spec.analysis.failureWeight: ${spec.analysis.failureWeight} is more than the weight of every check together (${total}), so no revision could ever ` +
        'fail; lower it, or raise the weights of the checks (to watch without rolling back, set rollback.automatic: false instead)',
    );
  }
  return problems;
}

/** A named port resolves through the containers' declared ports; NaN when no container declares it. */
function portNumber(spec: ReleaseSpec, port: number | string | undefined): number {
  if (typeof port === 'number') return port;
  for (const container of spec.template.template.spec.containers) {
    const ports = (container as { ports?: { name?: string; containerPort: number }[] }).ports ?? [];
    const found = ports.find((p) => p.name === port);
    if (found) return found.containerPort;
  }
  return Number.NaN;
}

/** The verdict as the Release's status records it. */
export function statusVerdict(verdict: Verdict, revision: number, time: Date): RecordedVerdict {
  return {
    time: time.toISOString(),
    revision,
    healthy: verdict.healthy,
    failingWeight: verdict.failingWeight,
    threshold: Math.max(1, verdict.threshold),
    checks: verdict.checks.map((check) => ({
      name: check.name,
      kind: check.kind,
      outcome: check.outcome,
      ...(check.value !== undefined && Number.isFinite(check.value) ? { value: check.value } : {}),
      weight: Math.min(100, Math.max(0, Math.round(check.weight))),
      reason: check.reason.slice(0, 1024),
    })),
  };
}

/**
 * A query with each `{{name}}` it names replaced by its value (`{{revision}}`, and in a canary's
 * analysis `{{track}}`, "canary"), so a check can judge the new revision's pods alone. A name it
 * does not know is left as written, so Prometheus names the problem.
 */
export function fillQuery(query: string, variables: Record<string, string>): string {
  return query.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (whole, name: string) => variables[name] ?? whole);
}
