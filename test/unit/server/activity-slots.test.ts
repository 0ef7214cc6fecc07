import { describe, expect, it } from 'vitest';
import { ActivitySlots } from '../../../src/server/activity-slots.ts';

const waits = new Set(['awaitRollout']);
const reserveCtx = {
  slotType: 'activity',
  taskQueue: 'q',
  workerIdentity: 'w',
  workerBuildId: '',
  isSticky: false,
} as const;
const used = (slots: ActivitySlots, permit: object, activityType: string) =>
  slots.markSlotUsed({ slotInfo: { type: 'activity', activityType }, permit });

/** Whether a promise has settled, after the microtasks queued so far have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('activity slots where only work counts', () => {
  it('hands out no more than the limit of slots running work', async () => {
    const slots = new ActivitySlots(2, waits);
    const a = slots.tryReserveSlot()!;
    const b = await slots.reserveSlot(reserveCtx, new AbortController().signal);
    used(slots, a, 'runAnalysis');
    used(slots, b, 'applyRevision');
    expect(slots.tryReserveSlot()).toBeNull();
    const third = slots.reserveSlot(reserveCtx, new AbortController().signal);
    expect(await settled(third)).toBe(false);
    slots.releaseSlot({ slotInfo: { type: 'activity', activityType: 'runAnalysis' }, permit: a });
    expect(await settled(third)).toBe(true);
    expect(slots.usage).toEqual({ counted: 2, waits: 0 });
  });

  it('lets a wait run beside the limit: its slot goes to the next in line', async () => {
    const slots = new ActivitySlots(1, waits);
    const first = slots.tryReserveSlot()!;
    const next = slots.reserveSlot(reserveCtx, new AbortController().signal);
    expect(await settled(next)).toBe(false);
    used(slots, first, 'awaitRollout');
    const second = await next;
    expect(slots.usage).toEqual({ counted: 1, waits: 1 });
    used(slots, second, 'awaitRollout');
    // Nobody in line: the wait's place stops counting, and a new reservation gets it at once.
    expect(slots.usage).toEqual({ counted: 0, waits: 2 });
    const third = slots.tryReserveSlot()!;
    used(slots, third, 'runAnalysis');
    expect(slots.tryReserveSlot()).toBeNull();
    // A wait ending frees nothing that counts.
    slots.releaseSlot({ slotInfo: { type: 'activity', activityType: 'awaitRollout' }, permit: first });
    expect(slots.usage).toEqual({ counted: 1, waits: 1 });
    expect(slots.tryReserveSlot()).toBeNull();
  });

  it('gives a slot reserved and released unused (a poll that timed out) back', () => {
    const slots = new ActivitySlots(1, waits);
    const permit = slots.tryReserveSlot()!;
    slots.releaseSlot({ permit });
    expect(slots.usage).toEqual({ counted: 0, waits: 0 });
    expect(slots.tryReserveSlot()).not.toBeNull();
  });

  it('drops a reservation the SDK aborts, with the abort reason, and keeps the line moving', async () => {
    const slots = new ActivitySlots(1, waits);
    const held = slots.tryReserveSlot()!;
    const controller = new AbortController();
    const aborted = slots.reserveSlot(reserveCtx, controller.signal);
    const after = slots.reserveSlot(reserveCtx, new AbortController().signal);
    controller.abort(new Error('poller shut down'));
    await expect(aborted).rejects.toThrow('poller shut down');
    slots.releaseSlot({ permit: held });
    expect(await settled(after)).toBe(true);
    expect(slots.usage.counted).toBe(1);
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    expect(() => new ActivitySlots(0)).toThrow(/at least 1, not 0/);
    expect(() => new ActivitySlots(2.5)).toThrow(/not 2.5/);
  });
});
