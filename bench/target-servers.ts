import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Child process of the fan-out benchmark: HTTP targets that answer 200 after a fixed latency, on their
 * own CPU core so the prober's time and memory are measured alone. Reports its ports over IPC.
 */
const servers = Number(process.argv[2] ?? 10);
const latencyMs = Number(process.argv[3] ?? 20);

async function listen(): Promise<Server> {
  const server = createServer((_req, res) => {
    setTimeout(() => res.end('ok'), latencyMs);
  });
  // Keep idle connections as long as a run lasts: the prober decides whether to reuse them.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return server;
}

const started = await Promise.all(Array.from({ length: servers }, listen));
process.send?.({ ports: started.map((s) => (s.address() as AddressInfo).port) });
// The parent asks for this process's CPU time around the measured round.
process.on('message', (m) => m === 'cpu' && process.send?.(process.cpuUsage()));
process.on('disconnect', () => process.exit(0));
