import { ApiException } from '@kubernetes/client-node';

/** The HTTP status of a failed Kubernetes API call, when it was one. */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export const isNotFound = (err: unknown): boolean => apiStatus(err) === 404;
export const isConflict = (err: unknown): boolean => apiStatus(err) === 409;

/**
 * The API server's own one-line reason for refusing a call ("409 Conflict: the object has been
 * modified..."), instead of client-node's message, which carries the whole response and its headers.
 */
export function apiMessage(err: unknown): string {
  if (!(err instanceof ApiException)) return err instanceof Error ? err.message : String(err);
  try {
    const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { reason?: string; message?: string };
    return `${err.code} ${status.reason ?? ''}: ${status.message ?? ''}`;
  } catch {
    return `HTTP ${err.code}`;
  }
}
