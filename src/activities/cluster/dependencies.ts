import { setTimeout as delay } from 'node:timers/promises';
import type { HeaderSource } from '../../domain/health/check-headers.ts';
import { redactUrl } from '../../domain/health/egress.ts';
import type { CheckSecretRef } from '../../domain/release/header-sources.ts';
import type { EgressGuard } from '../checks/egress.ts';
import { prometheusApiUrl, sameAddress } from '../checks/prometheus.ts';
import { describeRequestError } from '../checks/request-errors.ts';
import { createHeaderResolver, type ReadSecret } from '../checks/secret-headers.ts';
import { nodeRequest } from '../checks/transport.ts';

const timeoutMs = 3_000;

export interface DependencyDeps {
  /** The operator's egress policy: a Prometheus a Release names is asked only when it allows it. */
  egress?: EgressGuard;
  /** The operator's own Prometheus, trusted. */
  defaultPrometheus?: string;
  /** Reads the Secrets that checks' headers name. */
  readSecret?: ReadSecret;
  /**
   * How long a Secret (or its key, or rollguard's grant to read it) that is not there yet is waited for
   * before the spec is refused: a GitOps tool applies the Release and its Secret together, and
   * controllers such as sealed-secrets or external-secrets write the Secret moments later.
   */
  secretGraceMs?: number;
}

const secretPollMs = 1_000;

/** The activities that look at what a Release's checks depend on, before the analysis needs it. */
export function createDependencyActivities({
  egress,
  defaultPrometheus,
  readSecret,
  secretGraceMs = 15_000,
}: DependencyDeps = {}) {
  /**
   * The Secret keys a spec's check headers name that rollguard cannot read: one problem per key,
   * naming the field, the Secret and the key (never a value) and what to do. The spec is refused
   * with them (InvalidSpec) rather than rolled out to fail its checks and be rolled back. An API
   * server that does not answer is thrown, so the activity is retried.
   */
  async function unreadableCheckSecrets({ secrets }: { secrets: CheckSecretRef[] }): Promise<string[]> {
    const deadline = Date.now() + secretGraceMs;
    for (;;) {
      const { problems, transient } = await createHeaderResolver(readSecret).unreadable(secrets);
      if (transient.length > 0) throw new Error(transient.join('; '));
      if (problems.length === 0 || Date.now() + secretPollMs > deadline) return problems;
      await delay(secretPollMs);
    }
  }

  /**
   * Asks each Prometheus a Release's checks query whether it answers, when a spec is accepted: the API
   * server cannot know, and a person should hear about a wrong address before the analysis window
   * ends in an inconclusive verdict. Returns one problem per address that does not answer, or that
   * the egress policy does not let rollguard ask.
   */
  async function unreachablePrometheus({
    addresses,
  }: {
    addresses: { field: string; address: string; headers?: HeaderSource[] }[];
  }): Promise<string[]> {
    const resolver = createHeaderResolver(readSecret);
    const problems = await Promise.all(
      addresses.map(async ({ field, address, headers: sources }) => {
        const shown = redactUrl(address);
        const signal = AbortSignal.timeout(timeoutMs);
        const headers = sources?.length ? await resolver.resolve(sources) : { ok: true as const, headers: undefined };
        if (!headers.ok) return `${field}: Prometheus at ${shown} was not asked: ${headers.problem}`;
        try {
          const url = prometheusApiUrl(address, 'api/v1/status/buildinfo');
          const judged =
            egress && !sameAddress(address, defaultPrometheus) ? await egress.admit(url, { signal }) : undefined;
          if (judged && !judged.ok) {
            if (judged.refused)
              return `${field}: Prometheus at ${shown} is not queried: ${judged.reason}; its checks will fail`;
            throw judged.error;
          }
          const res = await nodeRequest(url, {
            signal,
            ...(judged?.pin ? { pin: judged.pin } : {}),
            ...(headers.headers ? { headers: headers.headers } : {}),
          });
          await res.body[Symbol.asyncIterator]().return?.(); // the status is all we need: drop the connection
          return res.status >= 200 && res.status < 300
            ? undefined
            : `${field}: ${shown} answered HTTP ${res.status}, not as a Prometheus server`;
        } catch (err) {
          return `${field}: Prometheus at ${shown} does not answer (${describeRequestError(err, timeoutMs)}); its checks will be Inconclusive`;
        }
      }),
    );
    return problems.filter((p): p is string => p !== undefined);
  }

  return { unreachablePrometheus, unreadableCheckSecrets };
}
