import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { KubeClients } from '../../src/kube/client.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { runToEnd, type Finished } from '../support/processes.ts';
import { deleteNamespace, stackEnv, waitFor } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';

/** The CLI as a user runs it: the bin file on the project's Node. */
export const rollguardBin = fileURLToPath(new URL('../../bin/rollguard.ts', import.meta.url));
export const exampleRelease = fileURLToPath(new URL('../../deploy/examples/web-release.yaml', import.meta.url));

/** The environment a user of the local stack has after `eval "$(npm run --silent stack:env)"`, without colours. */
export const stackShell = (): NodeJS.ProcessEnv => ({
  ...process.env,
  KUBECONFIG: stackEnv.KUBECONFIG,
  TEMPORAL_ADDRESS: stackEnv.TEMPORAL_ADDRESS,
  TEMPORAL_NAMESPACE: stackEnv.TEMPORAL_NAMESPACE,
  TEMPORAL_UI_URL: stackEnv.TEMPORAL_UI_URL,
  NO_COLOR: '1',
});

export type CliResult = Finished;

/** Runs `rollguard ARGS...` to its end. */
export function rollguard(
  args: string[],
  { env = stackShell(), input }: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return runToEnd(process.execPath, [rollguardBin, ...args], { env, ...(input !== undefined ? { input } : {}) });
}

/** `rollguard run` as a child process, serving only one namespace (the tests' Releases elsewhere are not its own). */
export class RollguardProcess {
  /** What runs `rollguard`: by default the bin file of the clone on the project's Node. */
  private readonly command: readonly string[];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  output = '';
  metricsUrl = '';

  constructor(command: readonly string[] = [process.execPath, rollguardBin]) {
    this.command = command;
  }

  /** The process id, which also names its Temporal worker (`<pid>@<host>`, the SDK's default identity). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `ownTaskQueue: false` leaves the task queue to rollguard (the cluster's, or ROLLGUARD_TASK_QUEUE in `env`). */
  async start(
    namespace: string,
    extra: string[] = [],
    { ownTaskQueue = true, env = stackShell() }: { ownTaskQueue?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): Promise<void> {
    // A task queue of its own too: another test's workflows must not run on this worker.
    const taskQueue = ownTaskQueue ? ['--task-queue', `cli-${namespace}`] : [];
    const args = [
      'run',
      '--watch-namespace',
      namespace,
      '--lease-namespace',
      namespace,
      ...taskQueue,
      '--metrics-address',
      '127.0.0.1',
      '--metrics-port',
      '0',
      '--prometheus-url',
      stackEnv.PROMETHEUS_URL,
      ...extra,
    ];
    const [command = process.execPath, ...commandArgs] = this.command;
    const child = spawn(command, [...commandArgs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(
      'rollguard run to serve /healthz',
      async () => {
        if (child.exitCode !== null)
          throw new Error(`rollguard run exited with ${child.exitCode}: ${this.output.slice(-2000)}`);
        this.metricsUrl ||= /"url":"(http:[^"]+)"/.exec(this.output)?.[1] ?? '';
        return this.metricsUrl !== '' && (await fetch(`${this.metricsUrl}/healthz`)).ok;
      },
      { timeoutMs: 120_000, intervalMs: 500, hint: () => this.output.slice(-2000) },
    );
  }

  /** SIGKILL: a crash, or a node lost under the process; nothing is drained. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, as Kubernetes stops a pod; resolves with the exit code. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited!;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A failure reads as one line, `rollguard: ...`, and never as a stack trace. */
export function oneLineError(result: CliResult): string {
  const lines = result.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || !lines[0]?.startsWith('rollguard: ') || /\n\s+at /.test(result.stderr)) {
    throw new Error(`expected one line "rollguard: ..." on stderr, got:\n${result.stderr}`);
  }
  return lines[0];
}

/**
 * After a test of `rollguard run` as a process (stopped by then): its Releases go without a
 * controller to clean up after them (their finalizers dropped, their workflows terminated), then the
 * namespace.
 */
export async function removeReleases(clients: KubeClients, namespace: string, names: string[]): Promise<void> {
  const temporal = await temporalOfStack();
  for (const name of names) {
    const release = (await clients.releases.get({ namespace, name }).catch(() => undefined)) as
      { metadata?: { uid?: string } } | undefined;
    if (!release) continue;
    await clients.releases.patch({ namespace, name }, 'merge', { metadata: { finalizers: null } });
    await terminateQuietly(temporal.client, releaseWorkflowId({ namespace, name, uid: release.metadata?.uid ?? '' }));
  }
  await temporal.connection.close();
  await deleteNamespace(clients, namespace);
}
