import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPath } from '../../dev/stack/tools.ts';
import type { CheckResult } from '../../src/cli/install/checks.ts';
import { installCrd } from '../support/crd.ts';
import { runTool, succeed } from '../support/install-tools.ts';
import { createNamespace, deleteNamespace, kube, stackEnv } from '../support/stack.ts';
import { rollguard } from './cli-process.ts';

const clients = kube();
const suffix = randomBytes(3).toString('hex');
let temporal: string;
let namespace: string;

/** A Temporal namespace as docs/install.md makes one: with the `temporal` CLI, and no search attributes yet. */
async function temporalNamespace(name: string): Promise<void> {
  await succeed(temporal, [
    'operator',
    'namespace',
    'create',
    '--namespace',
    name,
    '--retention',
    '72h',
    '--address',
    stackEnv.TEMPORAL_ADDRESS,
  ]);
}

const failures = (stdout: string): string[] => stdout.split('\n').filter((line) => line.startsWith('FAIL'));

beforeAll(async () => {
  temporal = await toolPath('temporal', 'temporal');
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'install-check');
});
afterAll(() => deleteNamespace(clients, namespace));

describe('rollguard install --check', () => {
  it('passes against the local stack, as the kubeconfig’s identity, in text and as JSON', async () => {
    const text = await rollguard(['install', '--check']);
    expect(failures(text.stdout)).toEqual([]);
    expect(text.stdout).toContain('ok    Temporal answers at');
    expect(text.stdout).toContain('rollguard can run here');
    expect(text.code).toBe(0);

    const json = await rollguard(['install', '--check', '-o', 'json']);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: CheckResult[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'temporal',
        'temporal-namespace',
        'search-attributes',
        'crd',
        'rbac releases.rollguard.dev',
      ]),
    );
    expect(json.code).toBe(0);
  });

  it('fails naming the command that creates a Temporal namespace that does not exist', async () => {
    const missing = `install-check-missing-${suffix}`;
    const result = await rollguard(['install', '--check', '--temporal-namespace', missing]);
    expect(failures(result.stdout)).toEqual([
      `FAIL  the Temporal namespace ${missing} does not exist: create it: temporal operator namespace create --namespace ${missing} --retention 72h`,
    ]);
    expect(result.code).toBe(1);
  });

  it('fails naming the search attributes a new Temporal namespace lacks; --fix registers them', async () => {
    const fresh = `install-check-fix-${suffix}`;
    await temporalNamespace(fresh);
    const before = await rollguard(['install', '--check', '--temporal-namespace', fresh]);
    expect(failures(before.stdout)).toEqual([
      `FAIL  the search attributes ReleaseName, ReleaseNamespace, ReleasePhase, ReleaseRevision are not registered in the Temporal namespace ${fresh}: ` +
        `register them: rollguard install --check --fix, or temporal operator search-attribute create --namespace ${fresh} ` +
        '--name ReleaseName --type Keyword --name ReleaseNamespace --type Keyword --name ReleasePhase --type Keyword --name ReleaseRevision --type Int',
    ]);
    expect(before.code).toBe(1);

    const fixed = await rollguard(['install', '--check', '--fix', '--temporal-namespace', fresh]);
    expect(fixed.stdout).toContain(
      `ok    registered ReleaseName, ReleaseNamespace, ReleasePhase, ReleaseRevision in the Temporal namespace ${fresh}`,
    );
    expect(fixed.code).toBe(0);
    const after = await rollguard(['install', '--check', '--temporal-namespace', fresh]);
    expect(failures(after.stdout)).toEqual([]);
    expect(after.code).toBe(0);
  });

  it('passes once the `temporal` command its failure names has been run', async () => {
    const fresh = `install-check-cli-${suffix}`;
    await temporalNamespace(fresh);
    const before = await rollguard(['install', '--check', '--temporal-namespace', fresh]);
    const command = /, or (temporal operator search-attribute create .*)$/.exec(failures(before.stdout)[0] ?? '')?.[1];
    expect(command).toBeDefined();
    await succeed(temporal, [...(command ?? '').split(' ').slice(1), '--address', stackEnv.TEMPORAL_ADDRESS]);
    const after = await rollguard(['install', '--check', '--temporal-namespace', fresh]);
    expect(failures(after.stdout)).toEqual([]);
    expect(after.code).toBe(0);
  });

  it('fails naming the fix for an identity without RBAC (a ServiceAccount with no grants)', async () => {
    await clients.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'no-grants' } } });
    const as = `system:serviceaccount:${namespace}:no-grants`;
    const result = await rollguard(['install', '--check', '--as', as, '-o', 'json']);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: CheckResult[] };
    expect(report.ok).toBe(false);
    const rbac = report.checks.filter((c) => c.check.startsWith('rbac '));
    expect(rbac.length).toBeGreaterThan(5);
    for (const c of rbac) {
      expect(c.ok).toBe(false);
      expect(c.message).toMatch(new RegExp(`^${as} may not `));
      expect(c.fix).toContain('kubectl apply --server-side -k deploy/base');
    }
    // What it checks besides RBAC is as the kubeconfig's identity sees it, and fine.
    expect(report.checks.filter((c) => !c.check.startsWith('rbac ')).every((c) => c.ok)).toBe(true);
    expect(result.code).toBe(1);
  });

  it('fails, naming where it looked, when Temporal does not answer', async () => {
    const result = await rollguard(['install', '--check', '--temporal-address', '127.0.0.1:1']);
    expect(failures(result.stdout)[0]).toMatch(
      /^FAIL {2}cannot connect to Temporal at 127\.0\.0\.1:1 .*: point TEMPORAL_ADDRESS or --temporal-address/,
    );
    expect(result.code).toBe(1);
  });

  it('is the only thing `rollguard install` does: without --check it says so', async () => {
    const result = await runTool(process.execPath, ['bin/rollguard.ts', 'install']);
    expect(result.stderr).toContain('rollguard install only checks: run `rollguard install --check`');
    expect(result.code).toBe(2);
  });
});
