/** Where an HTTP check points: one fixed URL, or a port and path on every pod of the revision. */
export type HttpTarget = { url: string } | { port: number; path: string; scheme?: 'http' | 'https' };

/** IPv6 addresses need brackets inside a URL. */
const hostOf = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

/** Resolves a target to the URLs to probe; a per-pod target yields one URL per pod IP, in order. */
export function targetUrls(target: HttpTarget, podIps: readonly string[]): string[] {
  if ('url' in target) return [target.url];
  const path = target.path.startsWith('/') ? target.path : `/${target.path}`;
  const scheme = target.scheme ?? 'http';
  return podIps.map((ip) => `${scheme}://${hostOf(ip)}:${target.port}${path}`);
}
