import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { rollguardPermissions, type Permission } from '../../../src/cli/install/permissions.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
}

const objects = (path: string): RbacObject[] =>
  parseAllDocuments(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')).map(
    (d) => d.toJS() as RbacObject,
  );

const grants = (rules: Rule[], p: Permission, verb: string): boolean =>
  rules.some(
    (r) =>
      r.apiGroups.includes(p.group) &&
      r.resources.includes(p.subresource ? `${p.resource}/${p.subresource}` : p.resource) &&
      r.verbs.includes(verb) &&
      (r.resourceNames === undefined || (p.name !== undefined && r.resourceNames.includes(p.name))),
  );

const missing = (rules: Rule[], permissions: Permission[]): string[] =>
  permissions.flatMap((p) =>
    p.verbs.filter((verb) => !grants(rules, p, verb)).map((verb) => `${verb} ${p.resource}/${p.subresource ?? ''}`),
  );

describe('the permissions `rollguard install --check` asks for', () => {
  const rbac = objects('deploy/rbac/rbac.yaml');
  const rulesOf = (kind: string, name: string) =>
    rbac.find((o) => o.kind === kind && o.metadata.name === name)?.rules ?? [];

  it('are granted by deploy/rbac/rbac.yaml: the ClusterRole, and the leader-election Role for the Lease', () => {
    const clusterWide = rollguardPermissions.filter((p) => p.scope !== 'lease');
    expect(missing(rulesOf('ClusterRole', 'rollguard'), clusterWide)).toEqual([]);
    const lease = rollguardPermissions.filter((p) => p.scope === 'lease');
    expect(missing(rulesOf('Role', 'rollguard-leader-election'), lease)).toEqual([]);
  });

  it('are granted by the namespaced component: a Role for the Releases, and nothing cluster-wide', () => {
    const component = 'deploy/components/namespaced';
    const role = objects(`${component}/role.yaml`).find((o) => o.kind === 'Role')?.rules ?? [];
    expect(
      missing(
        role,
        rollguardPermissions.filter((p) => p.scope === 'releases'),
      ),
    ).toEqual([]);
    // What stays cluster-wide is the kube-system read, which the component's named task queue spares, and
    // the node list of inspections, which a rollguard serving named namespaces skips ...
    expect(rollguardPermissions.filter((p) => p.scope === 'cluster').map((p) => p.resource)).toEqual([
      'namespaces',
      'nodes',
    ]);
    expect(rollguardPermissions.find((p) => p.resource === 'nodes')?.clusterWideOnly).toBe(true);
    expect(readFileSync(new URL(`../../../${component}/deployment-patch.yaml`, import.meta.url), 'utf8')).toContain(
      'ROLLGUARD_TASK_QUEUE',
    );
    // ... so the base's ClusterRole and its binding are deleted.
    const deleted = objects(`${component}/cluster-rbac-delete.yaml`) as (RbacObject & { $patch?: string })[];
    expect(deleted.map((o) => `${o.$patch} ${o.kind}/${o.metadata.name}`)).toEqual([
      'delete ClusterRole/rollguard',
      'delete ClusterRoleBinding/rollguard',
    ]);
  });

  it('ask for no more than the ClusterRole grants: nothing on Secrets, nothing cluster-wide it does not use', () => {
    const asked = new Set(rollguardPermissions.filter((p) => p.scope !== 'lease').map((p) => p.resource));
    expect(asked.has('secrets')).toBe(false);
    const granted = rulesOf('ClusterRole', 'rollguard').flatMap((r) => r.resources.map((x) => x.split('/')[0]));
    expect([...new Set(granted)].sort()).toEqual([...asked].sort());
  });
});
