import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/telemetry/metrics.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';
import { waitFor } from '../support/stack.ts';

const { PendingActivityState } = temporal.api.enums.v1;

// One activity slot for work: a Release waiting for its rollout must not take it from another.
const h = new ReleaseHarness();
beforeAll(() => h.start('worker-slots', { tuning: { maxConcurrentActivities: 1 } }), 120_000);
afterAll(() => h.stop());

describe("a worker's activity slots", () => {
  it('let a Release roll out while another waits for a rollout that never ends', async () => {
    const stuck = await h.apply(
      appRelease('stuck', { image: 'example/stuck:v1-broken', replicas: 1, deadline: '10m' }),
    );
    const waiting = async () => {
      const { raw } = await h.handle(h.ref(stuck)).describe();
      return (raw.pendingActivities ?? []).some(
        (a) =>
          a.activityType?.name === 'awaitRollout' && a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      );
    };
    await waitFor("the stuck Release's rollout wait to run", waiting, { timeoutMs: 60_000 });

    await h.apply(appRelease('web', { image: 'example/web:v1', replicas: 1, window: '1s' }));
    // With the one slot held by the stuck wait, web's own waits could not start for 10 minutes.
    const web = await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1, 60_000);
    expect(web.status?.stableRevision).toBe(1);
    expect((await h.read('stuck')).status?.phase).toBe('Progressing');
    expect(await waiting()).toBe(true);
    // What the worker's /metrics says of it: the wait beside the slot, and the slot's limit.
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^rollguard_worker_waits [1-9]/m);
    expect(metrics).toContain('rollguard_worker_activity_slots{state="limit"} 1');
  });
});
