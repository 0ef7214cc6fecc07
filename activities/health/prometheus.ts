import { prometheusDefaults, type CheckResult, type HealthGate, type MeasureContext, type PrometheusCheck } from '../../src/health/types.ts';
import { describeRequestError } from './request-errors.ts';

export interface PrometheusGateOptions {
  fetch?: typeof fetch;
}

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

function queryUrl(address: string): string {
  return new URL('api/v1/query', address.endsWith('/') ? address : `${address}/`).toString();
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
  Object.keys(metric).length === 0 ? '' : ` for {${Object.entries(metric).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

/** Compares every sample with the bounds; one sample out of bounds fails the round. */
function compare(base: RoundBase, check: PrometheusCheck, samples: Sample[]): CheckResult {
  const bounds = `[${check.min ?? '-∞'}, ${check.max ?? '+∞'}]`;
  for (const s of samples) {
    if (check.min !== undefined && s.value < check.min) {
      return { ...base, outcome: 'Fail', value: s.value, reason: `value ${s.value}${s.labels} is below the minimum ${check.min}` };
    }
    if (check.max !== undefined && s.value > check.max) {
      return { ...base, outcome: 'Fail', value: s.value, reason: `value ${s.value}${s.labels} is above the maximum ${check.max}` };
    }
  }
  const first = samples[0] as Sample;
  const series = samples.length === 1 ? `value ${first.value}` : `all ${samples.length} series`;
  return { ...base, outcome: 'Pass', value: first.value, reason: `${series} within ${bounds}` };
}

function evaluate(base: RoundBase, check: PrometheusCheck, answer: QueryAnswer, httpStatus: number): CheckResult {
  if (answer.status === 'error') {
    const type = answer.errorType ?? 'unknown';
    if (transientErrors.has(type) || httpStatus >= 500) {
      return { ...base, outcome: 'Inconclusive', reason: `Prometheus could not run the query (${type}): ${answer.error}` };
    }
    // A query Prometheus rejects will never pass: failing says "fix the check" louder than inconclusive.
    return { ...base, outcome: 'Fail', reason: `Prometheus rejected the query (${type}): ${answer.error}; fix the check's query` };
  }
  if (answer.status !== 'success' || !answer.data) {
    return { ...base, outcome: 'Inconclusive', reason: `HTTP ${httpStatus} from ${check.address} is not a Prometheus query answer` };
  }
  const samples = samplesOf(answer.data);
  if (typeof samples === 'string') return { ...base, outcome: 'Fail', reason: `${samples}; fix the check's query` };
  if (samples.length === 0) {
    const noData = check.noData ?? prometheusDefaults.noData;
    return { ...base, outcome: noData, reason: `the query returned no data (noData: ${noData})` };
  }
  return compare(base, check, samples);
}

/** The Prometheus provider: one instant query per round through the HTTP API. */
export function createPrometheusGate(options: PrometheusGateOptions = {}): HealthGate<PrometheusCheck> {
  const fetchFn = options.fetch ?? globalThis.fetch;

  async function measure(check: PrometheusCheck, ctx: MeasureContext): Promise<CheckResult> {
    const base = { name: check.name, kind: 'prometheus', weight: check.weight } as const;
    const timeoutMs = check.timeoutMs ?? prometheusDefaults.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    let res: Response;
    let answer: QueryAnswer;
    try {
      // POST keeps long queries out of URL length limits; Prometheus accepts both.
      res = await fetchFn(queryUrl(check.address), { method: 'POST', body: new URLSearchParams({ query: check.query }), signal });
      answer = (await res.json().catch(() => ({}))) as QueryAnswer;
    } catch (err) {
      ctx.signal?.throwIfAborted();
      const why = describeRequestError(err, timeoutMs);
      return { ...base, outcome: 'Inconclusive', reason: `Prometheus at ${check.address} is unreachable: ${why}` };
    }
    try {
      return evaluate(base, check, answer, res.status);
    } catch (err) {
      // A proxy or another version answering in a shape we do not know: say so rather than crash.
      return { ...base, outcome: 'Inconclusive', reason: `unexpected answer from ${check.address}: ${(err as Error).message}` };
    }
  }

  return { kind: 'prometheus', measure };
}
