import { networkErrorText } from '../../kube/network-errors.ts';

/** Why a request failed, worded for the person reading a Release's status. */
export function describeRequestError(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err);
  // fetch rejects with the signal's reason; node:http with an AbortError caused by it.
  const cause = err.cause instanceof Error ? err.cause : undefined;
  if (err.name === 'TimeoutError' || cause?.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (err.name === 'AbortError') return 'cancelled';
  const code = (err as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  return (code && networkErrorText(code)) || (cause?.message ?? err.message);
}
