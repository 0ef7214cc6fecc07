import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd, sampleRelease } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';
import { closedPort, exampleRelease, oneLineError, rollguard, stackShell } from './cli-process.ts';

const clients = kube();
let ns = '';

beforeAll(async () => {
  await installCrd(clients.config);
  ns = await createNamespace(clients, 'cli-errors');
  // A Release no controller serves: enough for the commands that fail before they reach its workflow.
  await clients.releases.create(ns, sampleRelease('idle'));
});
afterAll(() => deleteNamespace(clients, ns));

describe('bad input gets one line on stderr that says what is wrong, and an exit code that says what kind', () => {
  it.each([
    ['an unknown command', ['frobnicate'], 2, /^rollguard: unknown command "frobnicate"; the commands are: deploy, /],
    [
      'an unknown flag',
      ['status', '--colour'],
      2,
      /^rollguard: Unknown option '--colour'; see `rollguard status --help`$/,
    ],
    [
      'an unknown output format',
      ['status', '-o', 'xml'],
      2,
      /^rollguard: -o xml is not an output format; use one of: text, json, yaml$/,
    ],
    ['deploy without a file', ['deploy'], 2, /^rollguard: missing -f FILE/],
    [
      'a file that does not exist',
      ['deploy', '-f', '/nonexistent/release.yaml'],
      2,
      /^rollguard: cannot read \/nonexistent\/release.yaml: no such file$/,
    ],
    [
      'a malformed image reference',
      ['set-image', 'idle', 'app=example/Idle:v2'],
      2,
      /^rollguard: "example\/Idle:v2" is not a valid image reference: "Idle" has upper-case letters/,
    ],
    [
      'an image without CONTAINER=',
      ['set-image', 'idle', 'example/idle:v2'],
      2,
      /^rollguard: "example\/idle:v2" is not CONTAINER=IMAGE/,
    ],
    [
      'a container the Release does not have',
      ['set-image', 'idle', 'sidecar=example/idle:v2'],
      2,
      /^rollguard: Release .*\/idle has no container "sidecar"; its containers: app$/,
    ],
    [
      'a revision that is not a number',
      ['rollback', 'idle', '--to-revision', 'two'],
      2,
      /^rollguard: --to-revision two is not a revision number/,
    ],
    [
      'an unknown Release',
      ['status', 'nosuch'],
      3,
      /^rollguard: Release "nosuch" not found in namespace "cli-errors-\w+"; list the Releases there with `rollguard status -n cli-errors-\w+`$/,
    ],
    ['rolling back an unknown Release', ['rollback', 'nosuch'], 3, /^rollguard: Release "nosuch" not found/],
  ])('%s', async (_what, args, code, message) => {
    const result = await rollguard([...args, '-n', ns]);
    expect(result.code).toBe(code);
    expect(oneLineError(result)).toMatch(message);
  });

  it('an invalid Release file names every bad field and changes nothing', async () => {
    const file = join(tmpdir(), `rollguard-invalid-${process.pid}.yaml`);
    const text = await readFile(exampleRelease, 'utf8');
    await writeFile(file, text.replace('replicas: 3', 'replicas: -1').replace('deadline: 15s', 'deadline: soon'));
    const result = await rollguard(['deploy', '-f', file, '-n', ns]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `rollguard: ${file}: Release web is invalid (2 problems):\n` +
        '  spec.template.replicas: Too small: expected number to be >=0\n' +
        '  spec.healthChecks.readiness.deadline: must be a positive duration such as "30s" (units: ms, s, m, h)\n',
    );
    await expect(clients.releases.get({ namespace: ns, name: 'web' })).rejects.toThrow();
  });

  it('an unreachable Temporal (a closed port) is exit code 4', async () => {
    const port = await closedPort();
    const result = await rollguard(['rollback', 'idle', '-n', ns, '--temporal-address', `127.0.0.1:${port}`]);
    expect(result.code).toBe(4);
    expect(oneLineError(result)).toMatch(
      new RegExp(
        `^rollguard: cannot connect to Temporal at 127.0.0.1:${port} \\(without TLS, namespace "default"\\): .*Set TEMPORAL_ADDRESS`,
      ),
    );
  });

  it('status falls back to the Release status when Temporal cannot be reached, and says so', async () => {
    const port = await closedPort();
    const result = await rollguard(['status', 'idle', '-n', ns], {
      env: { ...stackShell(), TEMPORAL_ADDRESS: `127.0.0.1:${port}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Phase\s+Pending \(no status yet\)$/m);
    expect(result.stdout).toMatch(
      new RegExp(`^Note\\s+showing the Release's status: cannot connect to Temporal at 127.0.0.1:${port}`, 'm'),
    );
  });

  it("status names the task queue of a workflow no worker answers for (another cluster's, or an old one)", async () => {
    const idle = (await clients.releases.get({ namespace: ns, name: 'idle' })) as {
      metadata: { uid: string };
    };
    const ref = { namespace: ns, name: 'idle', uid: idle.metadata.uid };
    const temporal = await temporalOfStack();
    try {
      await temporal.client.workflow.start('releaseWorkflow', {
        workflowId: releaseWorkflowId(ref),
        taskQueue: `nobody-polls-${ns}`,
        args: [{ ref }],
      });
      const result = await rollguard(['status', 'idle', '-n', ns]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `^Note\\s+showing the Release's status: the workflow did not answer within 3s: is a rollguard worker running on task queue nobody-polls-${ns}\\?$`,
          'm',
        ),
      );
    } finally {
      await terminateQuietly(temporal.client, releaseWorkflowId(ref));
      await temporal.connection.close();
    }
  });

  it('a missing kubeconfig is exit code 4', async () => {
    const result = await rollguard(['status'], { env: { ...stackShell(), KUBECONFIG: '/nonexistent/kubeconfig' } });
    expect(result.code).toBe(4);
    expect(oneLineError(result)).toBe(
      'rollguard: cannot read the kubeconfig /nonexistent/kubeconfig: no such file; point KUBECONFIG or --kubeconfig at a kubeconfig file',
    );
  });

  it('an API server that does not answer is exit code 4', async () => {
    const port = await closedPort();
    const kubeconfig = join(tmpdir(), `rollguard-closed-${process.pid}.yaml`);
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: closed, cluster: { server: "https://127.0.0.1:${port}" } }]
users: [{ name: nobody, user: {} }]
contexts: [{ name: closed, context: { cluster: closed, user: nobody } }]
current-context: closed
`,
    );
    const result = await rollguard(['status', '--kubeconfig', kubeconfig]);
    expect(result.code).toBe(4);
    expect(oneLineError(result)).toMatch(
      new RegExp(`^rollguard: cannot reach Kubernetes at https://127.0.0.1:${port}: .*ECONNREFUSED`),
    );
  });
});

describe('deploy and fields another field manager owns', () => {
  const replicas = async () =>
    ((await clients.releases.get({ namespace: ns, name: 'web' })) as { spec: { template: { replicas: number } } }).spec
      .template.replicas;

  it('are not taken over: deploy refuses, naming the manager; with --force-conflicts it applies', async () => {
    expect((await rollguard(['deploy', '-f', exampleRelease, '-n', ns])).code).toBe(0);
    // Someone scales the Release by hand, as `kubectl edit` would: that field is now theirs.
    await clients.releases.patch(
      { namespace: ns, name: 'web' },
      'merge',
      { spec: { template: { replicas: 5 } } },
      { fieldManager: 'kubectl-edit' },
    );

    const refused = await rollguard(['deploy', '-f', exampleRelease, '-n', ns]);
    expect(refused.code).toBe(1);
    expect(oneLineError(refused)).toBe(
      `rollguard: Release ${ns}/web was not applied: .spec.template.replicas is owned by the field manager "kubectl-edit", ` +
        'which set it to another value; deploy again with --force-conflicts to take it over',
    );
    expect(await replicas()).toBe(5);

    const forced = await rollguard(['deploy', '-f', exampleRelease, '-n', ns, '--force-conflicts']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`release ${ns}/web configured: generation 3`);
    expect(await replicas()).toBe(3);
  });
});
