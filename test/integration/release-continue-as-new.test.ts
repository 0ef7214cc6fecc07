import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestContinueAsNewAt } from '../../dev/stack/temporal.ts';
import { rollbackUpdate } from '../../src/workflows/messages.ts';
import { historyBound } from '../../src/workflows/release.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';

const h = new ReleaseHarness();
beforeAll(() => h.start('can'), 120_000);
afterAll(() => h.stop());

describe('a long-lived Release workflow', () => {
  it('continues as new once its history is long, carrying its state', { timeout: 300_000 }, async () => {
    // The workflow's own bound comes first: the stack's Temporal suggests continue-as-new only at a
    // longer history (dev/stack/temporal.ts), and Temporal's default is longer still.
    expect(historyBound).toBeLessThan(suggestContinueAsNewAt);
    let version = 0;
    const release = await h.apply(appRelease('long', { image: 'example/long:v0', window: '1s' }));
    const handle = h.handle(h.ref(release));
    const first = (await handle.describe()).runId;
    while ((await handle.describe()).runId === first) {
      expect(
        version,
        `no continue-as-new after ${version} rollouts (threshold ${suggestContinueAsNewAt} events)`,
      ).toBeLessThan(20);
      await h.waitForStatus('long', 'Ready', (r) => r.status?.observedGeneration === version + 1);
      version++;
      await h.apply(appRelease('long', { image: `example/long:v${version}`, window: '1s' }));
    }
    await h.waitForStatus('long', 'Ready', (r) => r.status?.observedGeneration === version + 1);
    // The first run ended at the bound, idle, before the server would have suggested it.
    const firstRun = await h.client.workflow.getHandle(handle.workflowId, first).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect(firstRun.historyLength).toBeGreaterThanOrEqual(historyBound);
    expect(firstRun.historyLength).toBeLessThan(suggestContinueAsNewAt);

    const snapshot = await h.snapshot('long');
    expect(snapshot.generation).toBe(version + 1);
    expect(snapshot.revisions.map((r) => r.revision)).toContain(version);
    expect(snapshot.history.length).toBeGreaterThan(2);
    // The stable revisions from before continue-as-new are still known: "previous" finds the last one.
    const outcome = await handle.executeUpdate(rollbackUpdate, { args: [{}] });
    expect(outcome).toMatchObject({ from: version + 1, to: version, phase: 'Ready' });
    expect(await h.readyImages('long')).toEqual(Array(3).fill(`example/long:v${version - 1}`));
  });
});
