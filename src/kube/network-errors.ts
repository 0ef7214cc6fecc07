/**
 * The codes Node and undici give a request that failed in the network, worded for a person: one
 * table for the CLI (the API server cannot be reached) and the checks (a probe had no answer).
 */
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

/** What a network error code means, or undefined for a code that is not one. */
export const networkErrorText = (code: string): string | undefined =>
  Object.hasOwn(networkErrors, code) ? networkErrors[code] : undefined;

/** Whether the code says the server could not be reached at all; a reply cut off mid-way was reached. */
export const isUnreachable = (code: string): boolean =>
  code !== 'UND_ERR_SOCKET' && networkErrorText(code) !== undefined;
