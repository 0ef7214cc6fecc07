import type { StrategyChannel, StrategyRequest } from '../domain/release/records.ts';

/**
 * promote, abort and retry for kubectl-only users and GitOps: an annotation on the Release, whose
 * value names the request. The same value is acted on once, however often it is read (the workflow
 * records each channel's last id in status.observedStrategyRequests); a new value is a new request.
 *
 *   kubectl annotate release shop rollguard.dev/promote="$(date +%s)" --overwrite
 *   kubectl annotate release shop rollguard.dev/abort="p99 latency doubled" --overwrite
 */
export const strategyAnnotations: Record<StrategyChannel, string> = {
  promote: 'rollguard.dev/promote',
  promoteFull: 'rollguard.dev/promote-full',
  abort: 'rollguard.dev/abort',
  retry: 'rollguard.dev/retry',
};

/** Which Signal carries a channel's request. */
export type StrategySignalKind = 'promote' | 'abort' | 'retry';

export interface AnnotatedStrategyRequest {
  channel: StrategyChannel;
  signal: StrategySignalKind;
  request: StrategyRequest & { requestId: string };
}

// Leaves room for the channel's prefix within the 1024 characters status.observedStrategyRequests holds.
const maxValueLength = 900;

/** The requests the Release's annotations make, each with its id; an empty or overlong value makes none. */
export function readStrategyAnnotations(annotations: Record<string, string> | undefined): AnnotatedStrategyRequest[] {
  const requests: AnnotatedStrategyRequest[] = [];
  for (const [channel, annotation] of Object.entries(strategyAnnotations) as [StrategyChannel, string][]) {
    const value = annotations?.[annotation]?.trim();
    if (!value || value.length > maxValueLength) continue;
    const by = `the ${annotation} annotation`;
    const requestId = `annotation:${channel}:${value}`;
    const signal: StrategySignalKind = channel === 'promoteFull' ? 'promote' : channel;
    const request: StrategyRequest & { requestId: string } = {
      by,
      requestId,
      ...(channel === 'promoteFull' ? { full: true } : {}),
      ...(channel === 'abort' ? { reason: value } : {}),
    };
    requests.push({ channel, signal, request });
  }
  return requests;
}
