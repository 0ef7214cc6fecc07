import { hostname } from 'node:os';
import { describe, it } from 'vitest';
import { leaseName } from '../../src/controller/lease.ts';
import type { RollguardProcess } from '../integration/cli-process.ts';
import { waitFor } from '../support/stack.ts';
import { fullHistory } from '../faults/evidence.ts';
import { faultRelease } from '../faults/releases.ts';
import { FaultScenario, type StoredRelease } from '../faults/scenario.ts';

type History = Awaited<ReturnType<typeof fullHistory>>;

/** The workers that ran a workflow's tasks, by identity: who completed its workflow tasks and started its activities. */
function workersOf(history: History): Set<string> {
  return new Set(
    history.flatMap((event) => {
      const identity =
        event.workflowTaskCompletedEventAttributes?.identity ?? event.activityTaskStartedEventAttributes?.identity;
      return identity ? [identity] : [];
    }),
  );
}

/** What the SDK names a worker by default: `<pid>@<host>`. */
const workerIdentity = (process: RollguardProcess): string => `${process.pid}@${hostname()}`;

const releaseCount = 8;
const names = Array.from({ length: releaseCount }, (_, i) => `app-${i}`);

/**
 * rollguard's answer to more Releases than one process serves: more `rollguard run` processes on
 * one task queue of a Temporal cluster (the cluster profile: the real server's services on
 * PostgreSQL). Temporal hands each workflow and activity task to whichever worker polls; the
 * controller stays one active instance (its Lease).
 */
describe('several rollguard workers on one Temporal cluster', () => {
  it('two workers share the Releases, one controller is active, and when a worker dies mid-rollout the other finishes every Release', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('shared');
    onTestFinished(() => s.cleanup());
    const processes = [await s.rollguard(), await s.rollguard()];

    // given two workers on one task queue, one of them the active controller
    const holder = async (): Promise<string | undefined> =>
      (
        await s.clients.coordination
          .readNamespacedLease({ name: leaseName, namespace: s.namespace })
          .catch(() => undefined)
      )?.spec?.holderIdentity;
    await waitFor('one controller to hold the lease', async () => (await holder()) !== undefined, {
      timeoutMs: 60_000,
    });
    const leaderIdentity = (await holder()) as string;
    const controllers = processes.filter((p) => p.output.includes(`"identity":"${leaderIdentity}"`));
    expect(controllers).toHaveLength(1);

    // when Releases are created, they become Ready, and both workers ran their tasks
    const created: StoredRelease[] = [];
    for (const name of names)
      created.push(await s.create(faultRelease(name, `example/${name}:v1`, { readyDelay: '2s' })));
    await Promise.all(names.map((name) => s.waitForPhase(name, 'Ready', (st) => st.stableRevision === 1)));
    const client = await s.client();
    const histories = async (): Promise<History[]> =>
      await Promise.all(created.map((release) => fullHistory(client, s.workflowId(release))));
    const before = await histories();
    const ranBefore = before.map(workersOf);
    const identities = processes.map(workerIdentity);
    for (const identity of identities) {
      expect(
        ranBefore.some((workers) => workers.has(identity)),
        `worker ${identity} ran tasks of some Release`,
      ).toBe(true);
    }
    // Only the controller writes the Lease: the other process never took it.
    expect(await holder()).toBe(leaderIdentity);

    // when every Release gets a new revision and one worker is killed while their pods come up
    for (const name of names) await s.update(faultRelease(name, `example/${name}:v2`, { readyDelay: '8s' }));
    await Promise.all(
      names.map((name) =>
        s.waitFor(name, 'revision 2 applied', (st) => st.phase === 'Progressing' && st.currentRevision === 2),
      ),
    );
    // The worker that is not the controller: the controller's own failover is a fault test's (test/faults/).
    const victim = processes.find((p) => !controllers.includes(p)) as RollguardProcess;
    const survivor = controllers[0] as RollguardProcess;
    const victimIdentity = workerIdentity(victim);
    await victim.kill();
    const killedAt = Date.now();

    // then the other worker finishes every Release, including those the killed one was running
    await Promise.all(
      names.map((name) => s.waitForPhase(name, 'Ready', (st) => st.stableRevision === 2, { timeoutMs: 180_000 })),
    );
    const after = await histories();
    const taken = after.filter((history, i) => {
      const later = history.slice(before[i]?.length ?? 0);
      return ranBefore[i]?.has(victimIdentity) && workersOf(later).has(workerIdentity(survivor));
    });
    console.error(
      `Releases whose tasks each worker ran: ${identities.map((id) => `${id} ${ranBefore.filter((w) => w.has(id)).length}`).join(', ')} of ${releaseCount}; ` +
        `after ${victimIdentity} was killed, ${workerIdentity(survivor)} finished the ${taken.length} of them the killed one had run`,
    );
    expect(taken.length, 'Releases the killed worker had run, finished by the other').toBeGreaterThan(0);
    const sinceKill = after.flatMap((history) =>
      history.filter((event) => Number(event.eventTime?.seconds ?? 0) * 1000 > killedAt + 1000),
    );
    expect(workersOf(sinceKill).has(victimIdentity), 'a task after the kill ran on the killed worker').toBe(false);
    expect(workersOf(sinceKill)).toContain(workerIdentity(survivor));
  });
});
