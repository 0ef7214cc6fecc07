import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { redactUrl } from '../../domain/health/egress.ts';
import {
  httpDefaults,
  type BodyMatch,
  type CheckResult,
  type HealthGate,
  type HttpProbe,
  type MeasureContext,
} from '../../domain/health/types.ts';
import { defaultBodyLimitBytes, discardBody, readBodyPrefix } from './body.ts';
import type { EgressGuard } from './egress.ts';
import { startDeadline } from './deadline.ts';
import { describeRequestError } from './request-errors.ts';
import { nodeTransport, type ProbeTransport } from './transport.ts';

export interface HttpGateOptions {
  /** How a probe makes its request; node:http(s) unless told otherwise. */
  transport?: ProbeTransport;
  /** Probes in flight at once across every check measured through this gate (§5: 20 at once). */
  concurrency?: number;
  bodyLimitBytes?: number;
  /** First retry delay; later ones double, each scaled by a random 1–2 so probes do not retry in step. */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Where probes may go (the operator's egress policy); every target is allowed without one. */
  egress?: EgressGuard;
}

/** One target's answer after its retries. */
interface TargetOutcome {
  url: string;
  ok: boolean;
  reason: string;
  /** The egress policy refused the target: no request was sent, and none will be this window. */
  refused?: boolean;
}

/** A probe attempt that failed for a reason worth retrying; its message ends up in the status. */
class ProbeFailure extends Error {
  override name = 'ProbeFailure';
}

/** The egress policy refused the target; retrying cannot change that. */
class EgressRefusal extends Error {
  override name = 'EgressRefusal';
}

const inRange = (status: number, range: { min: number; max: number }): boolean =>
  status >= range.min && status <= range.max;

/** A body match compiled once per measurement, with how to name it in a reason. */
interface BodyMatcher {
  test(text: string): boolean;
  label: string;
}

/** An invalid regex throws here, and becomes the check's own failure. */
function bodyMatcher(match: BodyMatch | undefined): BodyMatcher | undefined {
  if (!match) return undefined;
  if ('contains' in match) return { test: (text) => text.includes(match.contains), label: `"${match.contains}"` };
  const regex = new RegExp(match.regex);
  return { test: (text) => regex.test(text), label: `/${match.regex}/` };
}

export function createHttpGate(options: HttpGateOptions = {}): HealthGate<HttpProbe> {
  const transport = options.transport ?? nodeTransport;
  const limit = pLimit(options.concurrency ?? 20);
  const bodyLimit = options.bodyLimitBytes ?? defaultBodyLimitBytes;

  /** One GET: throws ProbeFailure unless the status is in range and the body (if asked) matches. */
  async function probeOnce(
    url: string,
    check: HttpProbe,
    matcher: BodyMatcher | undefined,
    ctx: MeasureContext,
  ): Promise<string> {
    const timeoutMs = check.timeoutMs ?? httpDefaults.timeoutMs;
    const deadline = startDeadline(timeoutMs, ctx.signal);
    const { signal } = deadline;
    const expected = check.expectedStatus ?? httpDefaults.expectedStatus;
    try {
      const admitted = options.egress
        ? await options.egress.admit(url, { pod: check.pods === true, signal })
        : undefined;
      if (admitted && !admitted.ok) {
        // AbortError stops the retries; p-retry rethrows the refusal it wraps.
        if (admitted.refused) throw new AbortError(new EgressRefusal(admitted.reason));
        throw admitted.error;
      }
      const res = await transport(url, signal, admitted?.pin, ctx.headers);
      if (!inRange(res.status, expected)) {
        await discardBody(res.body, bodyLimit);
        throw new ProbeFailure(`status ${res.status}, expected ${expected.min}-${expected.max}`);
      }
      if (!matcher) {
        await discardBody(res.body, bodyLimit);
        return `status ${res.status}`;
      }
      const body = await readBodyPrefix(res.body, bodyLimit);
      if (matcher.test(body.text)) return `status ${res.status}, body matches`;
      const where = body.truncated ? `its first ${Math.round(bodyLimit / 1024)} KiB` : 'the body';
      throw new ProbeFailure(`status ${res.status}, but ${where} does not match ${matcher.label}`);
    } catch (err) {
      if (err instanceof ProbeFailure || err instanceof AbortError) throw err;
      throw new ProbeFailure(describeRequestError(err, timeoutMs), { cause: err });
    } finally {
      deadline.end();
    }
  }

  async function probeTarget(
    url: string,
    check: HttpProbe,
    matcher: BodyMatcher | undefined,
    ctx: MeasureContext,
  ): Promise<TargetOutcome> {
    try {
      const reason = await pRetry(() => probeOnce(url, check, matcher, ctx), {
        retries: check.retries ?? httpDefaults.retries,
        factor: 2,
        minTimeout: options.retryMinDelayMs ?? 100,
        maxTimeout: options.retryMaxDelayMs ?? 2_000,
        randomize: true,
        signal: ctx.signal,
      });
      return { url, ok: true, reason };
    } catch (err) {
      const refused = err instanceof EgressRefusal;
      return {
        url,
        ok: false,
        reason: err instanceof Error ? err.message : String(err),
        ...(refused ? { refused } : {}),
      };
    }
  }

  async function measure(check: HttpProbe, ctx: MeasureContext): Promise<CheckResult> {
    const base = { name: check.name, kind: 'HTTP', weight: check.weight } as const;
    if (check.urls.length === 0)
      return { ...base, outcome: 'Inconclusive', reason: 'no targets to probe (no pod has an IP yet?)' };
    let matcher: BodyMatcher | undefined;
    try {
      matcher = bodyMatcher(check.body);
    } catch (err) {
      return { ...base, outcome: 'Fail', reason: `the body regex is invalid: ${(err as Error).message}` };
    }
    // The whole retry loop holds one slot, so the bound is on targets being probed, not on sockets.
    const outcomes = await Promise.all(check.urls.map((url) => limit(() => probeTarget(url, check, matcher, ctx))));
    ctx.signal?.throwIfAborted();
    return roundResult(base, outcomes, check.quorum ?? httpDefaults.quorum);
  }

  return { kind: 'HTTP', measure };
}

function roundResult(
  base: Pick<CheckResult, 'name' | 'kind' | 'weight'>,
  targets: TargetOutcome[],
  quorum: 'all' | 'majority',
): CheckResult {
  const outcomes = targets.map((o) => ({ ...o, url: redactUrl(o.url) }));
  const failed = outcomes.filter((o) => !o.ok);
  // A target the policy refuses fails the check for the whole window: no later round may reach it.
  const permanent = failed.some((o) => o.refused) ? { permanent: true } : {};
  const passed = outcomes.length - failed.length;
  const ok = quorum === 'all' ? failed.length === 0 : passed * 2 > outcomes.length;
  const value = failed.length;
  if (outcomes.length === 1) {
    const only = outcomes[0] as TargetOutcome;
    return {
      ...base,
      value,
      outcome: ok ? 'Pass' : 'Fail',
      reason: `GET ${only.url}: ${only.reason}`,
      ...(ok ? {} : permanent),
    };
  }
  const shown = failed.slice(0, 3).map((o) => `${o.url}: ${o.reason}`);
  const more = failed.length > shown.length ? `; and ${failed.length - shown.length} more` : '';
  const summary = `${passed}/${outcomes.length} targets passed (${quorum === 'all' ? 'all' : 'a majority'} must)`;
  const reason = failed.length === 0 ? summary : `${summary}; ${shown.join('; ')}${more}`;
  return { ...base, value, outcome: ok ? 'Pass' : 'Fail', reason, ...(ok ? {} : permanent) };
}
