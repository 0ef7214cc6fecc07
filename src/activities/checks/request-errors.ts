/** Why a request failed, worded for the person reading a Release's status. */
export function describeRequestError(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err);
  // fetch rejects with the signal's reason; node:http with an AbortError caused by it.
  const cause = err.cause instanceof Error ? err.cause : undefined;
  if (err.name === 'TimeoutError' || cause?.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (err.name === 'AbortError') return 'cancelled';
  const code = (err as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  return (code && networkErrors[code]) || (cause?.message ?? err.message);
}

const networkErrors: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS unavailable)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the server closed the connection mid-response',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};
