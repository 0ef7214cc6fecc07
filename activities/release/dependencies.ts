import { describeRequestError } from '../health/request-errors.ts';

const timeoutMs = 3_000;

/**
 * Asks each Prometheus a Release's checks query whether it answers, when a spec is accepted: the API
 * server cannot know, and a person should hear about a wrong address before the analysis window
 * ends in an inconclusive verdict. Returns one problem per address that does not answer.
 */
export async function unreachablePrometheus({ addresses }: { addresses: { field: string; address: string }[] }): Promise<string[]> {
  const problems = await Promise.all(
    addresses.map(async ({ field, address }) => {
      try {
        const res = await fetch(new URL('/api/v1/status/buildinfo', address), { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return res.ok ? undefined : `${field}: ${address} answered HTTP ${res.status}, not as a Prometheus server`;
      } catch (err) {
        return `${field}: Prometheus at ${address} does not answer (${describeRequestError(err, timeoutMs)}); its checks will be Inconclusive`;
      }
    }),
  );
  return problems.filter((p): p is string => p !== undefined);
}
