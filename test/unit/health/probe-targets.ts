import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Route = (req: IncomingMessage, res: ServerResponse, hits: number) => void;

const megabyte = Buffer.alloc(1024 * 1024, 'x');

/** Resolves when the response can take more data, or when the client has gone. */
const writable = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });

/** Writes `chunks` MiB honouring backpressure, then `tail`; stops when the client goes away. */
async function writeMegabytes(res: ServerResponse, chunks: number, tail = ''): Promise<void> {
  for (let i = 0; i < chunks && !res.destroyed; i++) {
    if (!res.write(megabyte)) await writable(res);
  }
  res.end(tail);
}

/**
 * Real HTTP targets on 127.0.0.1 whose behaviour the tests choose by path, counting requests and
 * how many are in flight at once (the concurrency bound is checked here, on the server's side).
 */
export class ProbeTargets {
  inFlight = 0;
  peakInFlight = 0;
  /** Connections the endless body route saw closed by the client. */
  endlessClosed = 0;
  readonly hits = new Map<string, number>();
  private server: Server | undefined;

  private readonly routes: Record<string, Route> = {
    healthy: (_req, res) => res.end('status: ok'),
    error: (_req, res) => res.writeHead(503).end('unavailable'),
    redirect: (_req, res) => res.writeHead(302, { location: '/healthy' }).end(),
    flapping: (_req, res, hits) => res.writeHead(hits % 2 === 1 ? 200 : 503).end(),
    // Fails its first two requests, then answers: what a retry with backoff is for.
    'recovers-on-third': (_req, res, hits) => res.writeHead(hits >= 3 ? 200 : 500).end(),
    huge: (_req, res) => void writeMegabytes(res, 8, 'MARKER'),
    // A Prometheus answer of 8 MiB, as a query over every series would return.
    'big-prometheus/api/v1/query': (_req, res) => void writeMegabytes(res, 8),
    'huge-marked-early': (_req, res) => {
      res.write('MARKER');
      void writeMegabytes(res, 8);
    },
    endless: (_req, res) => {
      res.once('close', () => this.endlessClosed++);
      void writeMegabytes(res, Number.POSITIVE_INFINITY);
    },
  };

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/${path}`;
  }

  hitsOf(path: string): number {
    return this.hits.get(`/${path}`) ?? 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const hits = (this.hits.get(path) ?? 0) + 1;
    this.hits.set(path, hits);
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    res.once('close', () => this.inFlight--);
    // /slow/<ms>/<anything>: answers 200 after <ms>, the shape of a pod that takes its time.
    const slow = /^\/slow\/(\d+)/.exec(path);
    if (slow) {
      const timer = setTimeout(() => res.end('ok'), Number(slow[1]));
      res.once('close', () => clearTimeout(timer));
      return;
    }
    // Routes ignore the query, counters do not: `?run=2` gives a test a fresh counter.
    const route = this.routes[path.slice(1).split('?')[0] ?? ''];
    if (route) route(req, res, hits);
    else res.writeHead(404).end();
  }
}

/** A URL on a port nothing listens on: a pod whose process is down refuses connections. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/healthz`;
}
