import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyPorts, holdsPort, parseListeningSockets, portFree, portHolders } from '../../../dev/stack/listeners.ts';

// Two listening sockets (ports 6444 and 0x7E8 = 2024) and an established connection, as Linux prints them.
const procNetTcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:192C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91234 1 0000000000000000 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1473 1 00000000d60f2a1a 100 0 0 10 0
   2: 0100007F:D6AA 0100007F:192C 01 00000000:00000000 02:00000729 00000000     0        0 50794 2 000000002e6e42cc 20 4 1 122 148
`;
const procNetTcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
`;

describe("the kernel's socket tables", () => {
  it('yield the listening sockets with their ports and inodes, and nothing else', () => {
    expect(parseListeningSockets(procNetTcp)).toEqual([
      { port: 6444, inode: 91234 },
      { port: 2024, inode: 1473 },
    ]);
    expect(parseListeningSockets(procNetTcp6)).toEqual([{ port: 8080, inode: 777 }]);
    expect(parseListeningSockets('')).toEqual([]);
  });
});

describe.runIf(process.platform === 'linux')('who holds a port', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is the process listening on it', async () => {
    expect(await holdsPort(process.pid, port)).toBe(true);
    expect(await portHolders(port)).toEqual([process.pid]);
    expect(await holdsPort(process.ppid, port)).toBe(false);
  });

  it("makes the port busy, and the message names the port's use and its holder", async () => {
    expect(await portFree('127.0.0.1', port)).toBe(false);
    const [message] = await busyPorts('127.0.0.1', [{ port, what: `port ${port} of the test server` }]);
    expect(message).toMatch(new RegExp(`^port ${port} of the test server is in use by pid ${process.pid} \\(.*node`));
  });

  it('is nobody once the port is closed', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const closed = (other.address() as { port: number }).port;
    await new Promise<void>((resolve) => other.close(() => resolve()));
    expect(await portHolders(closed)).toEqual([]);
    expect(await portFree('127.0.0.1', closed)).toBe(true);
    expect(await busyPorts('127.0.0.1', [{ port: closed, what: 'free' }])).toEqual([]);
  });
});
