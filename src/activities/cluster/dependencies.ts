import { redactUrl } from '../../domain/health/egress.ts';
import type { EgressGuard } from '../checks/egress.ts';
import { prometheusApiUrl, sameAddress } from '../checks/prometheus.ts';
import { describeRequestError } from '../checks/request-errors.ts';
import { nodeRequest } from '../checks/transport.ts';

const timeoutMs = 3_000;

export interface DependencyDeps {
  /** The operator's egress policy: a Prometheus a Release names is asked only when it allows it. */
  egress?: EgressGuard;
  /** The operator's own Prometheus, trusted. */
  defaultPrometheus?: string;
}

/** The activities that look at what a Release's checks depend on, before the analysis needs it. */
export function createDependencyActivities({ egress, defaultPrometheus }: DependencyDeps = {}) {
  /**
   * Asks each Prometheus a Release's checks query whether it answers, when a spec is accepted: the API
   * server cannot know, and a person should hear about a wrong address before the analysis window
   * ends in an inconclusive verdict. Returns one problem per address that does not answer, or that
   * the egress policy does not let rollguard ask.
   */
  async function unreachablePrometheus({ addresses }: { addresses: { field: string; address: string }[] }): Promise<string[]> {
    const problems = await Promise.all(
      addresses.map(async ({ field, address }) => {
        const shown = redactUrl(address);
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          const url = prometheusApiUrl(address, 'api/v1/status/buildinfo');
          const judged = egress && !sameAddress(address, defaultPrometheus) ? await egress.admit(url, { signal }) : undefined;
          if (judged && !judged.ok) {
            if (judged.refused) return `${field}: Prometheus at ${shown} is not queried: ${judged.reason}; its checks will fail`;
            throw judged.error;
          }
          const res = await nodeRequest(url, { signal, ...(judged?.pin ? { pin: judged.pin } : {}) });
          await res.body[Symbol.asyncIterator]().return?.(); // the status is all we need: drop the connection
          return res.status >= 200 && res.status < 300 ? undefined : `${field}: ${shown} answered HTTP ${res.status}, not as a Prometheus server`;
        } catch (err) {
          return `${field}: Prometheus at ${shown} does not answer (${describeRequestError(err, timeoutMs)}); its checks will be Inconclusive`;
        }
      }),
    );
    return problems.filter((p): p is string => p !== undefined);
  }

  return { unreachablePrometheus };
}
