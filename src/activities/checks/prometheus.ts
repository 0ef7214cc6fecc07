import { redactUrl } from '../../domain/health/egress.ts';
import {
  prometheusDefaults,
  type CheckResult,
  type HealthGate,
  type MeasureContext,
  type PrometheusQuery,
} from '../../domain/health/types.ts';
import { readBodyPrefix } from './body.ts';
import type { EgressGuard } from './egress.ts';
import { describeRequestError } from './request-errors.ts';
import { nodeRequest } from './transport.ts';

export interface PrometheusGateOptions {
  /** Where queries may go (the operator's egress policy); the operator's own Prometheus is exempt. */
  egress?: EgressGuard;
  /** The operator's default Prometheus (ROLLGUARD_PROMETHEUS_URL): trusted, so never judged by the policy. */
  defaultPrometheus?: string;
  /** The largest query answer read; a larger one fails the round (default 4 MiB). */
  answerLimitBytes?: number;
}

const defaultAnswerLimitBytes = 4 * 1024 * 1024;

/** The parts of the /api/v1/query answer we read. */
interface QueryAnswer {
  status?: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

interface Sample {
  labels: string;
  value: number;
}

type RoundBase = Pick<CheckResult, 'name' | 'kind' | 'weight'>;

/** Error types that mean "Prometheus could not answer now", as opposed to "this query is wrong". */
const transientErrors = new Set(['timeout', 'canceled', 'unavailable', 'internal']);

/** A Prometheus API URL under the address, keeping its path prefix (http://host/prometheus → /prometheus/api/v1/...). */
export function prometheusApiUrl(address: string, path: string): string {
  return new URL(path.replace(/^\//, ''), address.endsWith('/') ? address : `${address}/`).toString();
}

/** The same server: trailing slashes and case of scheme and host do not matter. */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  try {
    return new URL(a).href.replace(/\/$/, '') === new URL(b).href.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** Vector and scalar answers become samples; NaN (e.g. a rate of 0/0) counts as no data. */
function samplesOf(data: NonNullable<QueryAnswer['data']>): Sample[] | string {
  if (data.resultType === 'scalar') {
    const [, value] = data.result as [number, string];
    return [{ labels: '', value: Number(value) }].filter((s) => !Number.isNaN(s.value));
  }
  if (data.resultType !== 'vector') return `the query returns a ${data.resultType}, not an instant vector or scalar`;
  const series = data.result as { metric: Record<string, string>; value: [number, string] }[];
  return series
    .map((s) => ({ labels: labelsOf(s.metric), value: Number(s.value[1]) }))
    .filter((s) => !Number.isNaN(s.value));
}

const labelsOf = (metric: Record<string, string>): string =>
  Object.keys(metric).length === 0
    ? ''
    : ` for {${Object.entries(metric)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}}`;

/** Compares every sample with the bounds; one sample out of bounds fails the round. */
function compare(base: RoundBase, check: PrometheusQuery, samples: Sample[]): CheckResult {
  const bounds = `[${check.min ?? '-∞'}, ${check.max ?? '+∞'}]`;
  for (const s of samples) {
    if (check.min !== undefined && s.value < check.min) {
      return {
        ...base,
        outcome: 'Fail',
        value: s.value,
        reason: `value ${s.value}${s.labels} is below the minimum ${check.min}`,
      };
    }
    if (check.max !== undefined && s.value > check.max) {
      return {
        ...base,
        outcome: 'Fail',
        value: s.value,
        reason: `value ${s.value}${s.labels} is above the maximum ${check.max}`,
      };
    }
  }
  const first = samples[0] as Sample;
  const series = samples.length === 1 ? `value ${first.value}` : `all ${samples.length} series`;
  return { ...base, outcome: 'Pass', value: first.value, reason: `${series} within ${bounds}` };
}

/**
 * A query Prometheus refuses (bad_data: a syntax error; execution: it cannot be evaluated) fails the
 * check, never passes and is never waved through as inconclusive: it will not start working by
 * itself. A syntax error fails it at once (`permanent`), whatever its failure threshold. Only errors
 * that say Prometheus itself is in trouble (timeout, overload, 5xx) are inconclusive.
 */
function evaluate(base: RoundBase, check: PrometheusQuery, answer: QueryAnswer, httpStatus: number): CheckResult {
  const address = redactUrl(check.address);
  if (answer.status === 'error') {
    const type = answer.errorType ?? 'unknown';
    if (transientErrors.has(type) || httpStatus >= 500) {
      return {
        ...base,
        outcome: 'Inconclusive',
        reason: `Prometheus could not run the query (${type}): ${answer.error}`,
      };
    }
    const permanent = type === 'bad_data' ? { permanent: true } : {};
    return {
      ...base,
      outcome: 'Fail',
      reason: `Prometheus rejected the query (${type}): ${answer.error}; fix the check's query`,
      ...permanent,
    };
  }
  if (answer.status !== 'success' || !answer.data) {
    return {
      ...base,
      outcome: 'Inconclusive',
      reason: `HTTP ${httpStatus} from ${address} is not a Prometheus query answer`,
    };
  }
  const samples = samplesOf(answer.data);
  if (typeof samples === 'string') return { ...base, outcome: 'Fail', reason: `${samples}; fix the check's query` };
  if (samples.length === 0) {
    const noData = check.noData ?? prometheusDefaults.noData;
    return { ...base, outcome: noData, reason: `the query returned no data (noData: ${noData})` };
  }
  return compare(base, check, samples);
}

const parseAnswer = (text: string): QueryAnswer => {
  try {
    return JSON.parse(text) as QueryAnswer;
  } catch {
    return {};
  }
};

/** The Prometheus provider: one instant query per round through the HTTP API. */
export function createPrometheusGate(options: PrometheusGateOptions = {}): HealthGate<PrometheusQuery> {
  const answerLimit = options.answerLimitBytes ?? defaultAnswerLimitBytes;

  async function measure(check: PrometheusQuery, ctx: MeasureContext): Promise<CheckResult> {
    const base = { name: check.name, kind: 'Prometheus', weight: check.weight } as const;
    const address = redactUrl(check.address);
    const timeoutMs = check.timeoutMs ?? prometheusDefaults.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    const url = prometheusApiUrl(check.address, 'api/v1/query');
    let status: number;
    let answer: QueryAnswer;
    try {
      const judged =
        options.egress && !sameAddress(check.address, options.defaultPrometheus)
          ? await options.egress.admit(url, { signal })
          : undefined;
      if (judged && !judged.ok) {
        if (judged.refused)
          return {
            ...base,
            outcome: 'Fail',
            permanent: true,
            reason: `Prometheus at ${address} was not queried: ${judged.reason}`,
          };
        throw judged.error;
      }
      // POST keeps long queries out of URL length limits; Prometheus accepts both.
      const res = await nodeRequest(url, {
        method: 'POST',
        form: new URLSearchParams({ query: check.query }),
        signal,
        ...(judged?.pin ? { pin: judged.pin } : {}),
        ...(ctx.headers ? { headers: ctx.headers } : {}),
      });
      status = res.status;
      const body = await readBodyPrefix(res.body, answerLimit);
      if (body.truncated) {
        return {
          ...base,
          outcome: 'Fail',
          reason: `the answer from ${address} is larger than ${answerLimit / 1024 / 1024} MiB (too many series?); fix the check's query`,
        };
      }
      answer = parseAnswer(body.text);
    } catch (err) {
      ctx.signal?.throwIfAborted();
      const why = describeRequestError(err, timeoutMs);
      return { ...base, outcome: 'Inconclusive', reason: `Prometheus at ${address} is unreachable: ${why}` };
    }
    try {
      return evaluate(base, check, answer, status);
    } catch (err) {
      // A proxy or another version answering in a shape we do not know: say so rather than crash.
      return {
        ...base,
        outcome: 'Inconclusive',
        reason: `unexpected answer from ${address}: ${(err as Error).message}`,
      };
    }
  }

  return { kind: 'Prometheus', measure };
}
