import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { toolPath } from '../../dev/stack/tools.ts';
import { stackShell } from '../integration/cli-process.ts';
import { runToEnd, type Finished } from './processes.ts';

export const repoDir = fileURLToPath(new URL('../..', import.meta.url));
export const chartDir = join(repoDir, 'charts', 'rollguard');

export type ToolResult = Finished;

/** Runs a command as a user of the local stack would (its KUBECONFIG), from the repository, to its end. */
export function runTool(command: string, args: string[], { input }: { input?: string } = {}): Promise<ToolResult> {
  return runToEnd(command, args, { cwd: repoDir, env: stackShell(), ...(input !== undefined ? { input } : {}) });
}

/** Runs a command and returns its stdout; fails with its stderr when it exits non-zero. */
export async function succeed(command: string, args: string[], options: { input?: string } = {}): Promise<string> {
  const result = await runTool(command, args, options);
  if (result.code !== 0)
    throw new Error(`${command.split('/').at(-1)} ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** The Helm CLI and kubectl of the stack's pinned builds (dev/stack/tools.ts). */
export async function installTools(): Promise<{ helm: string; kubectl: string }> {
  return { helm: await toolPath('helm', 'helm'), kubectl: await toolPath('kubernetes', 'kubectl') };
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export const manifests = (yaml: string): Manifest[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);

export const keyOf = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;

/**
 * An overlay of deploy/ as docs/install.md has a user write one, in a temporary folder: the given base or
 * overlay, their image and their Temporal, moved to a namespace and given a name prefix of its own (so
 * its cluster-wide objects are its own).
 */
export async function userOverlay(
  of: string,
  { namespace, namePrefix, image }: { namespace: string; namePrefix: string; image: { name: string; tag: string } },
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rollguard-overlay-'));
  const resource = relative(dir, join(repoDir, of));
  await writeFile(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `namespace: ${namespace}`,
      `namePrefix: ${namePrefix}`,
      'resources:',
      `  - ${resource}`,
      'images:',
      '  - name: REGISTRY/rollguard',
      `    newName: ${image.name}`,
      `    newTag: ${image.tag}`,
      'patches:',
      '  - patch: |-',
      '      apiVersion: v1',
      '      kind: ConfigMap',
      '      metadata:',
      '        name: rollguard',
      '        namespace: rollguard-system',
      '      data:',
      '        TEMPORAL_ADDRESS: temporal.example.com:7233',
      '        TEMPORAL_NAMESPACE: rollguard',
      '',
    ].join('\n'),
  );
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
