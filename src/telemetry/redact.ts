/**
 * What no log line carries: values of fields that hold secrets (tokens, Authorization headers, API
 * keys, passwords), bearer tokens written into a message, and the credentials of a URL.
 */
export const redacted = '[redacted]';

const secretKey =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|token|access[-_]?token|refresh[-_]?token|id[-_]?token|bearer[-_]?token|password|passwd|client[-_]?secret)$/i;
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"']+(?::[^\s/@"']*)?@/gi;
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** A text with URL credentials and Bearer/Basic credentials replaced. */
export const redactText = (text: string): string =>
  text.replace(urlCredentials, `$1${redacted}@`).replace(bearer, `$1 ${redacted}`);

/** A copy of a value with every secret field's value and every secret in a text replaced. */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  if (value instanceof Date || value instanceof URL) return redactFields(value.toString(), depth);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = secretKey.test(key) && item !== undefined && item !== null ? redacted : redactFields(item, depth + 1);
  }
  // Headers as a list of { name, value } pairs (a check's headers): the value of a secret header.
  if (typeof out.name === 'string' && 'value' in out && secretKey.test(out.name)) out.value = redacted;
  return out;
}
