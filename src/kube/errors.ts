import { ApiException } from '@kubernetes/client-node';

/** The HTTP status of a failed Kubernetes API call, when it was one. */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export const isNotFound = (err: unknown): boolean => apiStatus(err) === 404;
export const isConflict = (err: unknown): boolean => apiStatus(err) === 409;

/** The API server's Status object of a refused call: its reason and, for invalid objects, each field. */
export interface ApiRefusal {
  code: number;
  reason: string;
  message: string;
  causes: { field: string; message: string }[];
  /** The first line of a body that is not a Status object ("404 page not found", a proxy's page). */
  text?: string;
}

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** The Status body of a failed call, parsed; undefined when the error is not an API server answer. */
export function apiRefusal(err: unknown): ApiRefusal | undefined {
  if (!(err instanceof ApiException)) return undefined;
  // The body is a string or an object, depending on the API.
  let body: StatusBody = {};
  let text: string | undefined;
  try {
    body = ((typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as StatusBody | undefined) ?? {};
  } catch {
    // Not a Status object: the code alone speaks, and the body's first line for whoever shows it.
    text = (err.body as string).trim().split('\n')[0] ?? '';
  }
  return {
    code: err.code,
    reason: body.reason ?? '',
    message: body.message ?? `HTTP ${err.code}`,
    causes: (body.details?.causes ?? []).map((c) => ({ field: c.field ?? '', message: c.message ?? '' })),
    ...(text !== undefined ? { text } : {}),
  };
}

/**
 * The API server's own one-line reason for refusing a call ("409 Conflict: the object has been
 * modified..."), instead of client-node's message, which carries the whole response and its headers.
 */
export function apiMessage(err: unknown): string {
  const refusal = apiRefusal(err);
  if (!refusal) return err instanceof Error ? err.message : String(err);
  return `${refusal.code} ${refusal.reason}: ${refusal.message}`;
}
