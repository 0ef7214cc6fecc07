import { describe, expect, it } from 'vitest';
import { exportQueue, exportReleasePhases, exportWatch, registry } from '../../../src/telemetry/metrics.ts';

const text = () => registry.metrics();

describe("rollguard's /metrics", () => {
  it('has one phase series per Release of the active controller’s cache, and none once it stops', async () => {
    const releases = [
      { uid: '1', namespace: 'shop', name: 'web', phase: 'Ready' },
      { uid: '2', namespace: 'shop', name: 'api', phase: 'Progressing' },
    ];
    const stop = exportReleasePhases({ phases: () => releases });
    // A second cache holding the same Release (two controllers in one process) counts it once.
    const stopAgain = exportReleasePhases({ phases: () => releases.slice(0, 1) });
    const lines = (await text()).split('\n').filter((l) => l.startsWith('rollguard_release_phase{'));
    expect(lines.sort()).toEqual([
      'rollguard_release_phase{namespace="shop",release="api",phase="Progressing"} 1',
      'rollguard_release_phase{namespace="shop",release="web",phase="Ready"} 1',
    ]);
    stop();
    stopAgain();
    expect(await text()).not.toMatch(/^rollguard_release_phase\{/m);
  });

  it('reports the watches and the queue of the controller', async () => {
    const stopWatch = exportWatch({
      resource: 'releases',
      current: () => false,
      lastActivity: () => Date.now() - 5000,
    });
    const stopQueue = exportQueue({ size: 3 });
    const out = await text();
    expect(out).toContain('rollguard_watch_up{resource="releases"} 0');
    expect(out).toMatch(/rollguard_watch_last_event_age_seconds\{resource="releases"\} (4\.9|5)/);
    expect(out).toContain('rollguard_controller_queue_depth 3');
    stopWatch();
    stopQueue();
  });

  it('keeps the standard names of the process metrics', async () => {
    const out = await text();
    expect(out).toMatch(/^process_cpu_seconds_total /m);
    expect(out).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(out).not.toContain('rollguard_process_');
  });
});
