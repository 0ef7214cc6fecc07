import {
  crdCheck,
  rbacChecks,
  searchAttributesCheck,
  temporalNamespaceCheck,
  type CheckResult,
} from '../install/checks.ts';
import type { Session } from '../session.ts';

export interface InstallCheckOptions {
  /** Register the missing search attributes. */
  fix: boolean;
  /** Whose permissions to check (Kubernetes impersonation); the kubeconfig's identity when absent. */
  as?: string;
  /** The namespaces whose Releases rollguard serves (`rollguard run --watch-namespace`); all when empty. */
  watchNamespaces: string[];
  leaseNamespace: string;
  /** A task queue named in advance (`--task-queue`, ROLLGUARD_TASK_QUEUE). */
  taskQueueNamed: boolean;
}

/**
 * `rollguard install --check`: what `rollguard run` needs, one line each: Temporal reachable, its
 * namespace and the search attributes, the Release CRD of this version, and the permissions of the
 * identity rollguard runs as. Exit 1 when anything fails, each failure naming its fix.
 */
export async function installCheck(options: InstallCheckOptions, session: Session): Promise<number> {
  const results: CheckResult[] = [...(await temporalChecks(options, session))];
  results.push(await kubeCheck('crd', () => crdCheck(session.kubeConfig())));
  results.push(
    ...(await kubeChecks(() =>
      rbacChecks(session.kubeConfig(), {
        namespaces: options.watchNamespaces,
        leaseNamespace: options.leaseNamespace,
        taskQueueNamed: options.taskQueueNamed,
        ...(options.as ? { as: options.as } : {}),
      }),
    )),
  );
  const ok = results.every((r) => r.ok);
  if (session.out.format !== 'text') {
    session.out.data({ ok, checks: results });
  } else {
    const { style } = session.out;
    session.out.line(
      ...results.map((r) =>
        r.ok ? `${style.good('ok')}    ${r.message}` : `${style.bad('FAIL')}  ${r.message}: ${r.fix}`,
      ),
      ok
        ? style.good('rollguard can run here')
        : style.bad(`${results.filter((r) => !r.ok).length} of ${results.length} checks failed`),
    );
  }
  return ok ? 0 : 1;
}

async function temporalChecks(options: InstallCheckOptions, session: Session): Promise<CheckResult[]> {
  const namespace = session.temporalNamespace();
  let connection;
  try {
    connection = (await session.temporal()).connection;
  } catch (err) {
    return [
      {
        check: 'temporal',
        ok: false,
        message: (err as Error).message.replace(/\. Set TEMPORAL_ADDRESS.*$/s, ''),
        fix: 'point TEMPORAL_ADDRESS or --temporal-address (and TLS or an API key) at your Temporal frontend',
      },
    ];
  }
  const address = session.endpoints().temporal ?? '';
  const reachable: CheckResult = { check: 'temporal', ok: true, message: `Temporal answers at ${address}` };
  const namespaceResult = await temporalNamespaceCheck(connection, namespace);
  if (!namespaceResult.ok) return [reachable, namespaceResult];
  return [reachable, namespaceResult, await searchAttributesCheck(connection, namespace, { fix: options.fix })];
}

/** A check that cannot reach the API server fails with the reason, instead of stopping the others. */
async function kubeCheck(check: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  return (await kubeChecks(async () => [await run()], check))[0] as CheckResult;
}

async function kubeChecks(run: () => Promise<CheckResult[]>, check = 'rbac'): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (err) {
    return [
      {
        check,
        ok: false,
        message: `cannot ask the Kubernetes API server: ${(err as Error).message.split('\n')[0] ?? ''}`,
        fix: 'point KUBECONFIG, --kubeconfig or --context at your cluster',
      },
    ];
  }
}
