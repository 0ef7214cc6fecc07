import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd } from '../support/crd.ts';
import { boundaryCases, generatedCases, handCases, type HostileCase, validRelease } from '../support/hostile-cases.ts';
import {
  decoderRefusal,
  describeOutcome,
  leafOf,
  namesField,
  type Outcome,
  runCase,
} from '../support/hostile-outcome.ts';
import type { StoredRelease } from '../support/controller.ts';
import { createNamespace, deleteNamespace, kube, waitFor } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';
import { RollguardProcess, stackShell } from './cli-process.ts';

// Given a real API server and a real `rollguard run` serving one namespace, when several hundred
// hostile Releases are created there (each breaking one field, generated from the schema with a fixed
// seed, plus what users actually wrote), then each is refused by the API server naming the field, or
// accepted and given a condition that says what is wrong (with nothing of its own written when
// rollguard refused it), or is valid after all and goes Ready; meanwhile a healthy Release rolls out
// v1 → v2 → v3, and rollguard never exits or restarts.

const seed = Number(process.env.HOSTILE_SEED ?? 20_251_125);
const generatedCount = Number(process.env.HOSTILE_COUNT ?? 300);
/** A regular expression of case names to run alone, to reproduce one. */
const only = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : undefined;
const concurrency = 6;
const caseDeadlineMs = 150_000;

const clients = kube();
const rollguardRun = new RollguardProcess();
let namespace = '';
let checkServer: Server;
let checkUrl = '';
let cases: { hand: HostileCase[]; generated: HostileCase[] } = { hand: [], generated: [] };
const outcomes = new Map<HostileCase, Outcome>();
let rollguardPid = 0;
let startTime = '';

/** The pid of our `rollguard run`, found by its task queue argument. */
async function pidOf(marker: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(marker) && cmdline.includes('rollguard')) return Number(entry);
  }
  return 0;
}

const processStartTime = async (): Promise<string> =>
  /^process_start_time_seconds (\S+)$/m.exec(await (await fetch(`${rollguardRun.metricsUrl}/metrics`)).text())?.[1] ??
  '';

beforeAll(async () => {
  // What the HTTP checks probe: a healthy endpoint, so the valid Releases pass their checks.
  checkServer = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => checkServer.listen(0, '127.0.0.1', resolve));
  checkUrl = `http://127.0.0.1:${(checkServer.address() as AddressInfo).port}/healthz`;
  cases = {
    hand: handCases(checkUrl),
    generated: [...boundaryCases(checkUrl), ...generatedCases(checkUrl, { seed, count: generatedCount })],
  };

  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'hostile');
  await rollguardRun.start(namespace, [], { env: { ...stackShell(), ROLLGUARD_CHECK_ALLOW: '127.0.0.1/32' } });
  rollguardPid = await pidOf(`cli-${namespace}`);
  startTime = await processStartTime();
});

afterAll(async () => {
  await rollguardRun.stop();
  if (process.env.HOSTILE_LOG) await writeFile(process.env.HOSTILE_LOG, rollguardRun.output);
  const temporal = await temporalOfStack();
  const list = (await clients.releases.list(namespace)) as { items: StoredRelease[] };
  for (const r of list.items) {
    await clients.releases
      .patch({ namespace, name: r.metadata.name }, 'merge', { metadata: { finalizers: null } })
      .catch(() => undefined);
    await terminateQuietly(
      temporal.client,
      releaseWorkflowId({ namespace, name: r.metadata.name, uid: r.metadata.uid ?? '' }),
    );
  }
  await temporal.connection.close();
  await deleteNamespace(clients, namespace);
  await new Promise<void>((resolve) => checkServer.close(() => resolve()));
});

/** A healthy Release's rollout to `version`, Ready at `revision`. */
async function rollOutSteady(version: number): Promise<void> {
  const image = `example/steady:v${version}`;
  if (version === 1) {
    await clients.releases.create(namespace, validRelease('steady', 'steady', checkUrl, image), {
      fieldValidation: 'Strict',
    });
  } else {
    const body = {
      spec: {
        template: {
          template: { spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] } },
        },
      },
    };
    await clients.releases.patch({ namespace, name: 'steady' }, 'merge', body);
  }
  let last: StoredRelease;
  await waitFor(
    `steady to be Ready at v${version}`,
    async () => {
      last = await clients.releases.get({ namespace, name: 'steady' });
      const deployment = await clients.apps
        .readNamespacedDeployment({ name: 'steady', namespace })
        .catch(() => undefined);
      return (
        last.status?.phase === 'Ready' &&
        last.status?.stableRevision === version &&
        deployment?.spec?.template.spec?.containers[0]?.image === image
      );
    },
    { timeoutMs: 240_000, intervalMs: 1000, hint: () => JSON.stringify(last?.status ?? {}) },
  );
}

const byClass = (list: HostileCase[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const c of list) {
    const o = outcomes.get(c);
    const label = o && decoderRefusal(o) ? 'refused by the JSON decoder' : o?.class;
    if (label) counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
};

/** What is wrong with a case's outcome, or undefined when it ended as it may. */
function problemWith(c: HostileCase, outcome: Outcome | undefined): string | undefined {
  if (!outcome) return 'never ran';
  if (c.expect && outcome.class !== c.expect) return `expected ${c.expect}`;
  switch (outcome.class) {
    case 'stuck':
      return `no condition within ${caseDeadlineMs / 1000}s`;
    case 'refused':
      if (!namesField(outcome.message, c.field) && !decoderRefusal(outcome))
        return `the refusal does not name ${c.field}`;
      break;
    case 'invalid':
      if (outcome.sideEffects.length > 0) return `rollguard refused it but left ${outcome.sideEffects.join(', ')}`;
      if (!c.says && !outcome.message.includes(leafOf(c.field)))
        return `the condition does not name ${leafOf(c.field)}`;
      break;
    case 'failed':
      if (!outcome.reason || !outcome.message) return 'Failed without a reason';
      break;
  }
  if (c.says && outcome.class !== 'ready' && !c.says.test(outcome.message)) return `the message does not say ${c.says}`;
  return undefined;
}

describe('a hostile corpus of Releases against the API server and `rollguard run`', () => {
  it(`${generatedCount} generated and every hand-listed Release end refused, conditioned or Ready, while a healthy Release rolls out v1 → v2 → v3`, async () => {
    const all = [...cases.hand, ...cases.generated].filter((c) => !only || only.test(c.name));
    const env = { clients, namespace };
    const limit = pLimit(concurrency);
    let done = 0;
    const corpus = Promise.all(
      all.map((c) =>
        limit(async () => {
          outcomes.set(
            c,
            await runCase(env, c, { deadlineMs: caseDeadlineMs }).catch((err: Error) => ({
              class: 'stuck' as const,
              status: `the test could not follow it: ${err.message}`,
            })),
          );
          done++;
        }),
      ),
    );
    // The healthy Release's updates are spread over the corpus run, not all at its start.
    const steady = (async () => {
      await rollOutSteady(1);
      await waitFor('a third of the corpus', async () => done >= all.length / 3, {
        timeoutMs: 600_000,
        intervalMs: 1000,
      });
      await rollOutSteady(2);
      await waitFor('two thirds of the corpus', async () => done >= (2 * all.length) / 3, {
        timeoutMs: 600_000,
        intervalMs: 1000,
      });
      await rollOutSteady(3);
    })();
    await Promise.all([corpus, steady]);

    const counts = { hand: byClass(cases.hand), generated: byClass(cases.generated) };
    console.error(`hostile corpus (seed ${seed}): ${JSON.stringify(counts)}`);
    if (process.env.HOSTILE_REPORT) for (const c of all) console.error(describeOutcome(c, outcomes.get(c)!));
    if (!only) expect(all.length).toBeGreaterThanOrEqual(300);
  }, 1_200_000);

  it.each(handCasesForTitles())('hand list: %s', (name) => {
    const c = cases.hand.find((h) => h.name === name)!;
    if (only && !only.test(name)) return;
    const outcome = outcomes.get(c);
    expect(problemWith(c, outcome), outcome && describeOutcome(c, outcome)).toBeUndefined();
  });

  it('every generated Release is refused naming its field, conditioned without side effects, or Ready', () => {
    const problems = cases.generated
      .filter((c) => !only || only.test(c.name))
      .flatMap((c) => {
        const outcome = outcomes.get(c);
        const problem = problemWith(c, outcome);
        return problem ? [`${problem}: ${outcome ? describeOutcome(c, outcome) : c.name}`] : [];
      });
    expect(problems, `seed ${seed} (HOSTILE_SEED=${seed} reproduces it):\n${problems.join('\n')}`).toEqual([]);
  });

  it('rollguard run never exited or restarted, still answers /healthz, and logged no uncaught exception', async () => {
    expect(rollguardPid).toBeGreaterThan(0);
    expect(await pidOf(`cli-${namespace}`)).toBe(rollguardPid);
    expect(await processStartTime()).toBe(startTime);
    expect((await fetch(`${rollguardRun.metricsUrl}/healthz`)).ok).toBe(true);
    expect(rollguardRun.output).not.toMatch(/uncaught|unhandled ?rejection|FATAL ERROR|heap out of memory/i);
  });
});

/** The hand list's names, known before beforeAll runs (the URL does not change them). */
function handCasesForTitles(): string[] {
  return handCases('http://127.0.0.1/').map((c) => c.name);
}
