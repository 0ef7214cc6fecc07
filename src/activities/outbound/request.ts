import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { EgressGuard, PinnedAddress } from '../checks/egress.ts';

/** A request rollguard sends on a Release's behalf (a notification, a hook): no redirects, one timeout for all of it. */
export interface OutboundRequest {
  url: string;
  method: 'POST' | 'PUT' | 'GET';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Where the request may go; none for what the operator configured. */
  egress?: EgressGuard | undefined;
}

/** Why a request was not sent, or got no answer; the message never holds the URL. */
export class OutboundFailure extends Error {
  override name = 'OutboundFailure';
  /** Retrying cannot help (the egress policy refused it, the URL cannot be read). */
  readonly permanent: boolean;

  constructor(message: string, { permanent = false, cause }: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, { cause });
    this.permanent = permanent;
  }
}

const pinnedLookup = (pin: PinnedAddress): LookupFunction =>
  ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pin.address, family: pin.family }]);
    else callback(null, pin.address, pin.family);
  }) as LookupFunction;

/** What a failed connection says without its address: the error code, or the error's class. */
const describeError = (err: unknown): string => {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return (err as Error)?.name ?? 'request failed';
};

/**
 * Sends one request and answers with its status once the response has fully arrived (its body is
 * read and dropped, at most 64 KiB, so a receiver that hangs mid-body times out too). Never follows
 * a redirect.
 */
export async function sendOutbound(request: OutboundRequest): Promise<number> {
  let target: URL;
  try {
    target = new URL(request.url);
  } catch (err) {
    throw new OutboundFailure('the URL is not a valid URL', { permanent: true, cause: err });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new OutboundFailure('the URL must be http:// or https://', { permanent: true });
  target.username = '';
  target.password = '';
  const signal = AbortSignal.timeout(request.timeoutMs);
  let pin: PinnedAddress | undefined;
  if (request.egress) {
    const admission = await request.egress.admit(target.href, { signal });
    if (!admission.ok && admission.refused)
      throw new OutboundFailure(`the egress policy refuses it: ${admission.reason}`, { permanent: true });
    if (!admission.ok)
      throw new OutboundFailure(`its host could not be resolved (${describeError(admission.error)})`, {
        cause: admission.error,
      });
    pin = admission.pin;
  }
  const client = target.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { 'user-agent': 'rollguard', ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return await new Promise<number>((resolve, reject) => {
    const req = client.request(
      target,
      { method: request.method, headers, signal, agent: false, ...(pin ? { lookup: pinnedLookup(pin) } : {}) },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) res.destroy();
        });
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('close', () => resolve(res.statusCode ?? 0));
        res.once('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', (err) =>
      reject(
        new OutboundFailure(
          signal.aborted
            ? `no answer within ${request.timeoutMs / 1000}s`
            : `the request failed (${describeError(err)})`,
          { cause: err },
        ),
      ),
    );
    req.end(request.body);
  });
}
