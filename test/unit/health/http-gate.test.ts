import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpGate } from '../../../src/activities/checks/http.ts';
import { fetchTransport, nodeTransport } from '../../../src/activities/checks/transport.ts';
import { waitFor } from '../../../dev/stack/process.ts';
import type { HttpProbe } from '../../../src/domain/health/types.ts';
import { ProbeTargets, refusingUrl } from './probe-targets.ts';

const targets = new ProbeTargets();
beforeAll(() => targets.start());
afterAll(() => targets.stop());

const check = (overrides: Partial<HttpProbe>): HttpProbe => ({
  name: 'healthz',
  urls: [],
  weight: 5,
  timeoutMs: 1_000,
  ...overrides,
});

describe.each([
  {
    transport: 'node:http',
    gate: createHttpGate({ retryMinDelayMs: 5, retryMaxDelayMs: 20, transport: nodeTransport }),
  },
  {
    transport: 'fetch',
    gate: createHttpGate({ retryMinDelayMs: 5, retryMaxDelayMs: 20, transport: fetchTransport() }),
  },
])('the HTTP health gate over $transport', ({ transport, gate }) => {
  const probe = (overrides: Partial<HttpProbe>) => gate.measure(check(overrides), {});
  const hitsBefore = (path: string): (() => number) => {
    const before = targets.hitsOf(path);
    return () => targets.hitsOf(path) - before;
  };

  it('passes a healthy endpoint and says what it answered', async () => {
    const result = await probe({ urls: [targets.url('healthy')] });
    expect(result).toMatchObject({ name: 'healthz', kind: 'HTTP', outcome: 'Pass', value: 0, weight: 5 });
    expect(result.reason).toContain('status 200');
  });

  it('fails a 5xx endpoint after the first attempt and every retry', async () => {
    const hits = hitsBefore('error');
    const result = await probe({ urls: [targets.url('error')], retries: 2 });
    expect(result.outcome).toBe('Fail');
    expect(result.reason).toContain('status 503, expected 200-399');
    expect(hits()).toBe(3);
  });

  it('retries with backoff until an endpoint recovers, within its retries', async () => {
    const path = `recovers-on-third?transport=${transport}`;
    expect((await probe({ urls: [targets.url(path)], retries: 2 })).outcome).toBe('Pass');
    expect(targets.hitsOf(path)).toBe(3);
  });

  it('gives up on a slow endpoint at its timeout instead of waiting for it', async () => {
    const started = performance.now();
    const result = await probe({ urls: [targets.url('slow/5000/pod')], timeoutMs: 100, retries: 1 });
    expect(result.outcome).toBe('Fail');
    expect(result.reason).toContain('no response within 100 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('fails an endpoint that refuses connections, naming the cause', async () => {
    const result = await probe({ urls: [await refusingUrl()], retries: 0 });
    expect(result.outcome).toBe('Fail');
    expect(result.reason).toContain('connection refused');
  });

  it('accepts a redirect by default and not when the expected range excludes it', async () => {
    expect((await probe({ urls: [targets.url('redirect')] })).outcome).toBe('Pass');
    const strict = await probe({ urls: [targets.url('redirect')], retries: 0, expectedStatus: { min: 200, max: 299 } });
    expect(strict).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('status 302, expected 200-299') });
  });

  it('matches the body by substring or regex', async () => {
    expect((await probe({ urls: [targets.url('healthy')], body: { contains: 'status: ok' } })).outcome).toBe('Pass');
    expect((await probe({ urls: [targets.url('healthy')], body: { regex: '^status: (ok|degraded)$' } })).outcome).toBe(
      'Pass',
    );
    const mismatch = await probe({ urls: [targets.url('healthy')], retries: 0, body: { contains: 'ready' } });
    expect(mismatch).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('does not match "ready"') });
  });

  it('reports an invalid body regex as the check failing, not as a crash', async () => {
    const result = await probe({ urls: [targets.url('healthy')], body: { regex: '(' } });
    expect(result).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('body regex is invalid') });
  });

  it('reads only the first 64 KiB of a multi-megabyte body and still decides', async () => {
    const late = await probe({ urls: [targets.url('huge')], retries: 0, body: { contains: 'MARKER' } });
    expect(late).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('first 64 KiB does not match') });
    const early = await probe({ urls: [targets.url('huge-marked-early')], body: { contains: 'MARKER' } });
    expect(early.outcome).toBe('Pass');
  });

  it('stops downloading an endless body and drops the connection', async () => {
    const before = process.memoryUsage().rss;
    const closedBefore = targets.endlessClosed;
    const result = await probe({ urls: [targets.url('endless')], retries: 0, body: { contains: 'MARKER' } });
    expect(result.outcome).toBe('Fail');
    await waitFor('the server to see the probe hang up', async () => targets.endlessClosed === closedBefore + 1, {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    // Generous: the point is that the memory does not grow with the body, which never ends.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('does not read the body at all when no body match is asked for', async () => {
    const closedBefore = targets.endlessClosed;
    expect((await probe({ urls: [targets.url('endless')] })).outcome).toBe('Pass');
    await waitFor('the connection to be dropped', async () => targets.endlessClosed === closedBefore + 1, {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
  });

  const pods = () => [targets.url('healthy'), targets.url('healthy'), targets.url('error')];

  it('fails the round when any pod fails, by default', async () => {
    const result = await probe({ urls: pods(), retries: 0 });
    expect(result).toMatchObject({ outcome: 'Fail', value: 1 });
    expect(result.reason).toMatch(/^2\/3 targets passed \(all must\); http:\/\/127\.0\.0\.1:\d+\/error: status 503/);
  });

  it('passes with a majority quorum when most pods answer', async () => {
    expect(await probe({ urls: pods(), retries: 0, quorum: 'majority' })).toMatchObject({ outcome: 'Pass', value: 1 });
  });

  it('is inconclusive when there is no pod to probe', async () => {
    expect((await probe({ urls: [] })).outcome).toBe('Inconclusive');
  });
});
