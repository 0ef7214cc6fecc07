import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { deploy } from '../../src/cli/commands/deploy.ts';
import { history } from '../../src/cli/commands/history.ts';
import { setImage } from '../../src/cli/commands/set-image.ts';
import { status } from '../../src/cli/commands/status.ts';
import { strategyRequest } from '../../src/cli/commands/strategy.ts';
import { strategyText } from '../../src/cli/format/status.ts';
import { readRelease } from '../../src/cli/releases.ts';
import type { Release } from '../../src/domain/api/index.ts';
import { RolloutError } from '../../src/cli/errors.ts';
import { workflowSearchUrl } from '../../src/cli/links.ts';
import { processOutput } from '../../src/cli/output.ts';
import { Session } from '../../src/cli/session.ts';
import { stackEnv, stackUp } from '../stack/stack.ts';
import { ensureNamespace, installReleaseCrd, removeRelease } from './crd-install.ts';
import { demoLogFile, startDemoRollguard } from './in-process.ts';

export interface DemoOptions {
  /** Stop rollguard and return once the story is told, instead of running until Ctrl-C. */
  exit: boolean;
  /** The namespace the sample Release lives in (default rollguard-demo). */
  namespace?: string;
}

export const sampleReleaseFile = fileURLToPath(new URL('../../deploy/examples/web-release.yaml', import.meta.url));
export const canaryReleaseFile = fileURLToPath(new URL('../../deploy/examples/canary-release.yaml', import.meta.url));
const release = 'web';
const canaryRelease = 'shop';
const rolloutTimeoutMs = 120_000;

/**
 * `npm run demo`: the local stack, the CRD, rollguard in this process, then the sample Release at v1,
 * v2 and a broken v3 that rollguard rolls back on its own, told as it happens.
 */
export async function runDemo(
  options: DemoOptions,
  say: (line: string) => void = (line) => console.error(`[rollguard] ${line}`),
): Promise<number> {
  const namespace = options.namespace ?? 'rollguard-demo';
  await stackUp(say);
  process.env.TEMPORAL_UI_URL ??= stackEnv.TEMPORAL_UI_URL; // links point at the stack's Web UI
  const out = processOutput('text');
  const chapter = (title: string): void => out.line('', out.style.bold(`▸ ${title}`));
  const session = new Session(
    {
      kubeconfig: stackEnv.KUBECONFIG,
      namespace,
      temporalAddress: stackEnv.TEMPORAL_ADDRESS,
      temporalNamespace: stackEnv.TEMPORAL_NAMESPACE,
    },
    out,
  );

  chapter('The local stack');
  out.line(
    `  Temporal      ${stackEnv.TEMPORAL_ADDRESS} (namespace ${stackEnv.TEMPORAL_NAMESPACE}), Web UI ${stackEnv.TEMPORAL_UI_URL}`,
    `  Prometheus    ${stackEnv.PROMETHEUS_URL}`,
    `  Kubernetes    KUBECONFIG=${stackEnv.KUBECONFIG} (kwok: pods of an image tagged *-broken never become Ready)`,
  );
  chapter(`Installing the Release CRD (deploy/crd/release.yaml) and namespace ${namespace}`);
  await installReleaseCrd(session.kubeConfig());
  await ensureNamespace(session.kube(), namespace);

  chapter('Starting rollguard in this process: controller + worker');
  const rollguard = await startDemoRollguard(session.kubeConfig(), namespace);
  out.line(`  metrics  ${rollguard.metricsUrl}/metrics`, `  log      ${demoLogFile}`);
  for (const name of [release, canaryRelease])
    if (await removeRelease(session.kube(), namespace, name))
      out.line(`  removed the Release "${name}" an earlier demo left`);

  const interrupted = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  const story = async (): Promise<void> => {
    const wait = { wait: true, timeoutMs: rolloutTimeoutMs };
    chapter('v1: Release "web" as deploy/examples/web-release.yaml declares it');
    await deploy({ file: sampleReleaseFile, ...wait }, session);

    chapter('v2: a new image, rolled out one pod at a time, then analysed');
    await setImage({ release, images: [{ container: 'app', image: 'example/web:v2' }], ...wait }, session);

    chapter('v3-broken: pods that never become Ready; rollguard rolls back on its own');
    try {
      await setImage({ release, images: [{ container: 'app', image: 'example/web:v3-broken' }], ...wait }, session);
      out.line(out.style.bad('  v3-broken was not rolled back: this should not happen'));
    } catch (err) {
      if (!(err instanceof RolloutError)) throw err;
      out.line(out.style.warn(`  as intended: ${err.message}`));
    }

    chapter('A canary: Release "shop" as deploy/examples/canary-release.yaml declares it (10 pods)');
    await deploy({ file: canaryReleaseFile, ...wait }, session);

    chapter('v2 of shop: 20 % of the pods, judged, then 50 %, then a pause until promoted');
    const shop = async (): Promise<Release> => readRelease(session, canaryRelease);
    await setImage(
      { release: canaryRelease, images: [{ container: 'app', image: 'example/shop:v2' }], wait: false, timeoutMs: 0 },
      session,
    );
    await follow(shop, (r) => r.status?.strategy?.step === '5/6' && r.status.strategy.pause !== undefined);
    out.line('  $ rollguard promote shop');
    await strategyRequest({ verb: 'promote', release: canaryRelease, timeoutMs: 60_000 }, session);
    await follow(shop, (r) => r.status?.phase === 'Ready' && r.status.stableRevision === 2);

    chapter('v3-broken of shop: its canary pods never become Ready; the canary is taken off on its own');
    await setImage(
      {
        release: canaryRelease,
        images: [{ container: 'app', image: 'example/shop:v3-broken' }],
        wait: false,
        timeoutMs: 0,
      },
      session,
    );
    await follow(shop, (r) => r.status?.phase === 'Failed' && r.status.strategy?.state === 'Aborted');
    out.line(
      out.style.warn(
        `  as intended: ${(await shop()).status?.conditions?.find((c) => c.type === 'RolledBack')?.message}`,
      ),
    );

    chapter('Where it stands: rollguard status web');
    await status({ release, allNamespaces: false, watch: false, intervalMs: 1000 }, session);
    chapter('What happened: rollguard history web');
    await history({ release }, session);
    explore(out.line, namespace, session.temporalNamespace());
  };

  /** Prints the canary's step each time it changes, until `done`. */
  async function follow(read: () => Promise<Release>, done: (r: Release) => boolean): Promise<void> {
    const deadline = Date.now() + rolloutTimeoutMs;
    let last = '';
    for (;;) {
      const current = await read();
      const line = strategyText({ release: current } as Parameters<typeof strategyText>[0], out.style, new Date());
      const shown = line?.replace(/ \d+[hms][\dms]* left/, ' … left');
      if (shown && shown !== last) out.line(`  ${line}`);
      last = shown ?? last;
      if (done(current)) return;
      if (Date.now() > deadline) throw new RolloutError(`the canary of ${canaryRelease} did not get there in time`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  let outcome: 'told' | 'interrupted';
  try {
    outcome = await Promise.race([story().then(() => 'told' as const), interrupted.then(() => 'interrupted' as const)]);
    if (outcome === 'told' && !options.exit) {
      out.line('', out.style.bold('rollguard keeps running here; press Ctrl-C to stop it.'));
      await interrupted;
    }
  } finally {
    // Also when the story fails: a running worker would keep the process alive.
    out.line('', 'stopping rollguard (the controller, then the worker drains)...');
    await rollguard.stop();
    await session.close();
  }
  out.line('stopped. The local stack keeps running; stop it with: npm run stack:down');
  if (outcome === 'interrupted') process.exit(130); // the story's polling would otherwise go on
  return 0;
}

function explore(line: (...lines: string[]) => void, namespace: string, temporalNamespace: string): void {
  line(
    '',
    'Explore:',
    `  Temporal Web UI   ${workflowSearchUrl(temporalNamespace, `ReleaseName="${release}" AND ReleaseNamespace="${namespace}"`)}`,
    '  from a shell      eval "$(npm run --silent stack:env)"',
    `                    npx rollguard status ${release} -n ${namespace} --watch`,
    `                    npx rollguard rollback ${release} -n ${namespace} --to-revision 1`,
    '  tear down         npm run stack:down   (add -- --purge to delete its data)',
  );
}
