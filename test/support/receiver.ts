import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, recorded when it arrived. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** For the onRollback hook: the revision the Deployment ran when the hook was called. */
  deploymentRevision?: string | undefined;
}

/** How the receiver answers a request: a status, or `hold` to keep it open without an answer. */
export type Answer = number | 'hold';

/**
 * What a team runs on loopback to receive hooks and notifications: it records every request as it
 * arrives and answers as `answer` says (200 unless told otherwise), or never, for one it holds.
 */
export class LoopbackReceiver {
  readonly received: Received[] = [];
  base = '';
  private server: Server | undefined;
  private readonly answer: (request: Received) => Answer | Promise<Answer>;

  constructor(answer: (request: Received) => Answer | Promise<Answer> = () => 200) {
    this.answer = answer;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const record: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
        this.received.push(record);
        void Promise.resolve(this.answer(record)).then(
          (status) => void (status === 'hold' || res.writeHead(status).end('ok')),
          () => res.writeHead(500).end('receiver failed'),
        );
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The paths of the requests under a prefix, in the order they arrived. */
  paths(prefix: string): string[] {
    return this.requests(prefix).map((r) => r.path);
  }

  /** The requests under a prefix, in the order they arrived. */
  requests(prefix: string): Received[] {
    return this.received.filter((r) => r.path.startsWith(prefix));
  }

  /** The JSON bodies of the requests to one path. */
  bodies<T>(path: string): T[] {
    return this.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as T);
  }

  stop(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}
