import type {
  ActivitySlotInfo,
  CustomSlotSupplier,
  SlotMarkUsedContext,
  SlotPermit,
  SlotReleaseContext,
  SlotReserveContext,
} from '@temporalio/worker';
import type { Activities } from '../activities/index.ts';

/**
 * The activities that wait on Kubernetes and hold next to nothing while they do: a rollout, a
 * readiness window, a canary's pods going away, a hook's Job. They read the shared Deployment watch
 * every half second (a hook reads its Job every second) and heartbeat; what they wait for is the
 * cluster's work, not the worker's.
 */
export const waitActivities: ReadonlySet<string> = new Set([
  'awaitRollout',
  'watchReadiness',
  'awaitNoPods',
  'runJobHook',
] satisfies (keyof Activities)[]);

interface Permit extends SlotPermit {
  /** Set once the slot runs a wait: then it no longer counts against the limit. */
  wait?: boolean;
}

/**
 * Activity slots where only work counts: at most `limit` activities that are not waits run at once
 * (an analysis probing its targets, a hook's request, a write), and waits run beside them without a
 * limit. With the SDK's fixed slots, every Release rolling out held one of 100 slots while it waited
 * for its Deployment, so at N = 300 an update's readiness watch queued 6 s (p50) for a slot and its
 * rollout wait 13 s, time in which the Release had nothing to wait for (docs/benchmarks.md).
 *
 * A slot is reserved before its task is polled, when its kind is not known yet: it counts until the
 * task turns out to be a wait, and then its place goes to the next reservation in line.
 */
export class ActivitySlots implements CustomSlotSupplier<ActivitySlotInfo> {
  readonly type = 'custom';
  /** Slots reserved and counting: not released, and not running a wait. */
  private counted = 0;
  private runningWaits = 0;
  private readonly queue: ((permit: Permit) => void)[] = [];

  readonly limit: number;
  private readonly waits: ReadonlySet<string>;

  constructor(limit: number, waits: ReadonlySet<string> = waitActivities) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`an activity slot limit must be a whole number of at least 1, not ${limit}`);
    this.limit = limit;
    this.waits = waits;
  }

  /** Slots counting against the limit now, and waits running beside them. */
  get usage(): { counted: number; waits: number } {
    return { counted: this.counted, waits: this.runningWaits };
  }

  reserveSlot(_ctx: SlotReserveContext, abortSignal: AbortSignal): Promise<SlotPermit> {
    const now = this.tryReserveSlot();
    if (now) return Promise.resolve(now);
    // The SDK expects the abort's own reason back (anything else it logs as an error).
    const reason = () => abortSignal.reason as Error;
    return new Promise((resolve, reject) => {
      const take = (permit: Permit) => {
        abortSignal.removeEventListener('abort', abort);
        resolve(permit);
      };
      const abort = () => {
        const at = this.queue.indexOf(take);
        if (at >= 0) this.queue.splice(at, 1);
        reject(reason());
      };
      if (abortSignal.aborted) return reject(reason());
      abortSignal.addEventListener('abort', abort, { once: true });
      this.queue.push(take);
    });
  }

  tryReserveSlot(): SlotPermit | null {
    if (this.counted >= this.limit) return null;
    this.counted++;
    return {} satisfies Permit;
  }

  markSlotUsed({ slotInfo, permit }: SlotMarkUsedContext<ActivitySlotInfo>): void {
    if (!this.waits.has(slotInfo.activityType)) return;
    (permit as Permit).wait = true;
    this.runningWaits++;
    this.handOver();
  }

  releaseSlot({ permit }: SlotReleaseContext<ActivitySlotInfo>): void {
    if ((permit as Permit).wait) {
      this.runningWaits--;
      return;
    }
    this.handOver();
  }

  /** A counted slot is free: the next in line takes it, or it stops counting. */
  private handOver(): void {
    const next = this.queue.shift();
    if (next) next({});
    else this.counted--;
  }
}
