import { ApiextensionsV1Api, VersionApi } from '@kubernetes/client-node';
import { join } from 'node:path';
import { releaseResource } from '../../domain/api/index.ts';
import { crdVersionAnnotation } from '../../domain/api/crd.ts';
import { isNotFound } from '../../kube/errors.ts';
import { packageRoot, rollguardVersion } from '../../telemetry/build-info.ts';
import { classify } from '../classify.ts';
import { crdMismatches, describeVersions, type ClientVersion, type ClusterCrd } from '../crd-version.ts';
import { CliError, ExitCode, NotFoundError } from '../errors.ts';
import type { Session } from '../session.ts';

export type VersionOptions = Record<string, never>;

/** What `version -o json` prints. `server` is null when the cluster did not answer, `crd` when it has none. */
interface VersionReport {
  client: ClientVersion & { node: string };
  server: { url: string | undefined; kubernetes: string; crd: ClusterCrd | null } | null;
  match: boolean;
  mismatches: string[];
  error?: string;
}

const crdName = `${releaseResource.plural}.${releaseResource.group}`;
/** The CRD this rollguard ships (the package carries it, as a clone does). */
const shippedCrd = join(packageRoot, 'deploy', 'crd', 'release.yaml');
const installHint = `kubectl apply --server-side -f ${shippedCrd}`;

async function clusterCrd(session: Session): Promise<ClusterCrd | null> {
  const api = session.kubeConfig().makeApiClient(ApiextensionsV1Api);
  try {
    const crd = await api.readCustomResourceDefinition({ name: crdName });
    return {
      name: crdName,
      rollguardVersion: crd.metadata?.annotations?.[crdVersionAnnotation],
      versions: crd.spec.versions.map(({ name, served, storage }) => ({ name, served, storage })),
    };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

function printText(report: VersionReport, session: Session): void {
  const { client, server } = report;
  const rows: [string, string][] = [
    ['rollguard', `${client.version} (Release API ${client.apiVersion}, Node ${client.node})`],
  ];
  if (server) {
    rows.push(['cluster', `${server.url ?? 'unknown'} (Kubernetes ${server.kubernetes})`]);
    const crd = server.crd;
    rows.push([
      'Release CRD',
      crd
        ? `${crd.name} of rollguard ${crd.rollguardVersion ?? 'unknown'}; ${describeVersions(crd.versions)}`
        : 'not installed',
    ]);
    rows.push(['match', report.match ? 'yes' : `no: ${report.mismatches.join('; ') || 'no Release CRD'}`]);
  }
  session.out.line(...rows.map(([key, value]) => `${key.padEnd(12)}${value}`));
}

/**
 * `rollguard version`: this rollguard's version, the cluster's Release CRD and whether it is this
 * rollguard's. Its own version is printed also when the cluster cannot be read; the exit code then
 * says why (4 unreachable, 3 no CRD), and 1 says the CRD is another rollguard's.
 */
export async function version(_options: VersionOptions, session: Session): Promise<number> {
  const report: VersionReport = {
    client: { version: rollguardVersion, apiVersion: releaseResource.apiVersion, node: process.version },
    server: null,
    match: false,
    mismatches: [],
  };
  let failure: CliError | undefined;
  try {
    const kubernetes = (await session.kubeConfig().makeApiClient(VersionApi).getCode()).gitVersion;
    const crd = await clusterCrd(session);
    report.server = { url: session.endpoints().kubernetes, kubernetes, crd };
    if (crd) {
      report.mismatches = crdMismatches(report.client, crd);
      report.match = report.mismatches.length === 0;
      if (!report.match) {
        failure = new CliError(
          `the cluster's Release CRD is not this rollguard's: ${report.mismatches.join('; ')}; install this version's with \`${installHint}\``,
          ExitCode.Failed,
        );
      }
    } else {
      failure = new NotFoundError(
        `the cluster at ${report.server.url ?? 'the configured address'} has no Release CRD (${crdName}); install it with \`${installHint}\``,
      );
    }
  } catch (err) {
    failure = classify(err, session.endpoints());
  }
  if (failure) report.error = failure.message;
  if (session.out.format === 'text') printText(report, session);
  else session.out.data(report);
  if (failure) throw failure;
  return ExitCode.Ok;
}
