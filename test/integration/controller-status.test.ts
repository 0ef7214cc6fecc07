import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventReason } from '../../src/domain/release/events.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';
import { waitFor } from '../support/stack.ts';

// Status is rollguard's: what someone else writes there is replaced at once, and an Event says so.

const h = new ReleaseHarness();
beforeAll(() => h.start('status', { controller: true }), 120_000);
afterAll(() => h.stop());

describe('a status written by someone else', () => {
  it("is overwritten with rollguard's at once, with a Warning Event naming the writer", async () => {
    await h.apply(appRelease('web', { image: 'example/web:v1' }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1);

    // What `kubectl patch release web --subresource=status --type=merge -p '{"status":{"currentRevision":42}}'` does.
    await h.clients.releases.patchStatus(
      { namespace: h.namespace, name: 'web' },
      'merge',
      { status: { currentRevision: 42, phase: 'Failed' } },
      { fieldManager: 'kubectl-patch' },
    );
    const restored = await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1, 20_000);
    expect(restored.status?.stableRevision).toBe(1);

    await waitFor(
      'the StatusOverwritten Event',
      async () => {
        const events = await h.clients.events.listNamespacedEvent({ namespace: h.namespace });
        return events.items.some(
          (e) => e.reason === EventReason.StatusOverwritten && e.note?.includes('kubectl-patch'),
        );
      },
      { timeoutMs: 20_000 },
    );
  });
});
