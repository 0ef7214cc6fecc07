import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpGate } from '../../../src/activities/checks/http.ts';
import { ProbeTargets } from './probe-targets.ts';

const targets = new ProbeTargets();
beforeAll(() => targets.start());
afterAll(() => targets.stop());

describe('probing many pods with a concurrency bound (§5: 200 hosts, 20 at once)', () => {
  it('never has more than 20 probes in flight and takes about ceil(200/20) probe latencies', async () => {
    const latencyMs = 50;
    const pods = Array.from({ length: 200 }, (_, i) => targets.url(`slow/${latencyMs}/pod-${i}`));
    const gate = createHttpGate({ concurrency: 20 });

    const started = performance.now();
    const result = await gate.measure({ name: 'healthz', urls: pods, weight: 5 }, {});
    const elapsed = performance.now() - started;

    expect(result).toMatchObject({ outcome: 'Pass', value: 0 });
    expect(targets.peakInFlight).toBe(20);
    const ideal = Math.ceil(200 / 20) * latencyMs;
    expect(elapsed).toBeGreaterThanOrEqual(ideal);
    // Far from probing one pod after another (20 × ideal). How close to the ideal it comes is the
    // probe-fanout benchmark's to say: a wall-clock bound this test can hold on a busy machine is loose.
    expect(elapsed).toBeLessThan(10 * ideal);
  });
});
