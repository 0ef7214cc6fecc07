import { setTimeout as sleep } from 'node:timers/promises';
import { V1MicroTime, type CoordinationV1Api, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../kube/errors.ts';
import type { Logger } from '../telemetry/log.ts';
import { apiMessage } from '../kube/errors.ts';

export const leaseName = 'rollguard-controller';

export interface LeaseOptions {
  coordination: CoordinationV1Api;
  namespace: string;
  identity: string;
  log: Logger;
  durationSeconds?: number;
  renewIntervalMs?: number;
  /** A leader that has not renewed for this long stops acting, before anyone else may take over. */
  renewDeadlineMs?: number;
}

export interface Leadership {
  started(): Promise<void>;
  stopped(): Promise<void>;
}

export interface Candidate {
  isLeader(): boolean;
  /** Stops acting and hands the lease back, so a standby takes over at once instead of after expiry. */
  stop(): Promise<void>;
}

/**
 * Whether `identity` may take the lease. Like client-go, expiry is judged by when *we* last saw the
 * record change, not by the holder's renewTime, so clocks that disagree between nodes do not matter.
 */
export function leaseAvailable(
  spec: V1LeaseSpec,
  identity: string,
  observedChangeAtMs: number,
  nowMs: number,
): boolean {
  if (!spec.holderIdentity || spec.holderIdentity === identity) return true;
  return nowMs >= observedChangeAtMs + (spec.leaseDurationSeconds ?? 15) * 1000;
}

/** Campaigns for the coordination.k8s.io Lease: one active controller at a time, standbys waiting. */
export function campaign(options: LeaseOptions, leadership: Leadership): Candidate {
  const { coordination, namespace, identity, log, durationSeconds = 15, renewIntervalMs = 2000 } = options;
  const renewDeadlineMs = options.renewDeadlineMs ?? (durationSeconds * 1000 * 2) / 3;
  const name = leaseName;
  const abort = new AbortController();
  let leading = false;
  let lastRenewal = 0;
  let observed = { record: '', at: 0 };

  /** True when we hold the lease after this call, false when someone else does. Throws when the API server fails. */
  async function acquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      };
      return write(() =>
        coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } }),
      );
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime]);
    if (record !== observed.record) observed = { record, at: Date.now() };
    if (!leaseAvailable(spec, identity, observed.at, Date.now())) return false;
    const taking = spec.holderIdentity !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: now,
      ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    // The read resourceVersion makes this a compare-and-swap: of two standbys, one wins.
    return write(() => coordination.replaceNamespacedLease({ name, namespace, body: lease }));
  }

  async function write(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async function stepDown(why: string, { expected = false } = {}): Promise<void> {
    leading = false;
    (expected ? log.info : log.warn)('stepping down as the active controller', {
      lease: `${namespace}/${name}`,
      identity,
      why,
    });
    await leadership.stopped().catch((err: unknown) => log.error('cannot stop the controller cleanly', { error: err }));
  }

  async function round(): Promise<void> {
    let held: boolean | undefined;
    try {
      held = await acquireOrRenew();
      if (held) lastRenewal = Date.now();
    } catch (err) {
      log.warn('cannot reach the controller lease', {
        lease: `${namespace}/${name}`,
        identity,
        error: apiMessage(err),
      });
    }
    if (held && !leading) {
      leading = true;
      log.info('acquired the lease: this controller is active', { lease: `${namespace}/${name}`, identity });
      await leadership.started().catch(async (err: unknown) => {
        log.error('cannot start the controller', { error: err });
        await stepDown('start failed');
      });
    } else if (leading && held === false) {
      await stepDown('another controller holds the lease');
    } else if (leading && Date.now() - lastRenewal > renewDeadlineMs) {
      await stepDown(`lease not renewed for ${Math.round((Date.now() - lastRenewal) / 1000)}s`);
    }
  }

  async function release(): Promise<void> {
    try {
      const lease = await coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const { holderIdentity: _released, ...spec } = lease.spec;
      lease.spec = { ...spec, renewTime: new V1MicroTime() };
      await coordination.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (err) {
      log.warn('cannot hand back the lease; a standby takes over when it expires', { error: apiMessage(err) });
    }
  }

  const loop = (async () => {
    while (!abort.signal.aborted) {
      await round();
      await sleep(renewIntervalMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  })();

  return {
    isLeader: () => leading,
    async stop() {
      abort.abort();
      await loop;
      if (leading) {
        await stepDown('controller stopping', { expected: true });
        await release();
      }
    },
  };
}
