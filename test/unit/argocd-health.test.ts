import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../deploy/argocd/health.lua', import.meta.url));
const harness = fileURLToPath(new URL('../support/argocd-health.lua', import.meta.url));

/** A JSON value as a Lua table constructor, as Argo CD hands the resource to the script. */
function lua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return `"${value.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(lua).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${lua(k)}] = ${lua(v)}`)
    .join(', ')}}`;
}

/** The health Argo CD would show for this Release, by the real Lua interpreter. */
async function health(release: object): Promise<{ status: string; message: string }> {
  const child = run('lua5.4', [harness, script]);
  child.child.stdin?.end(lua(release));
  const { stdout } = await child;
  const [status = '', message = ''] = stdout.split('\n');
  return { status, message };
}

const condition = (type: string, status: string, message = '') => ({
  type,
  status,
  reason: 'Test',
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const release = (status?: object, generation = 2) => ({
  apiVersion: 'rollguard.dev/v1alpha1',
  kind: 'Release',
  metadata: { name: 'web', namespace: 'shop', generation },
  spec: {},
  ...(status ? { status } : {}),
});
const settled = (phase: string, ...conditions: object[]) =>
  release({ phase, observedGeneration: 2, currentRevision: 2, conditions });

describe('the Argo CD health check of a Release (deploy/argocd/health.lua)', () => {
  it.each(
    [
      [
        'a Release rollguard has not taken on yet',
        release(),
        'Progressing',
        'Waiting for rollguard to take the Release on',
      ],
      [
        'a new spec rollguard has not taken in (a Ready status is old news)',
        release({ phase: 'Ready', observedGeneration: 1 }, 2),
        'Progressing',
        'Waiting for rollguard to take generation 2 of the spec',
      ],
      [
        'a Ready Release',
        settled('Ready', condition('Ready', 'True', 'revision 2 is healthy: all 2 checks passed')),
        'Healthy',
        'revision 2 is healthy: all 2 checks passed',
      ],
      [
        'a Release rolling out',
        settled('Progressing', condition('Progressing', 'True', 'rolling out generation 2')),
        'Progressing',
        'rolling out generation 2',
      ],
      ['a Release waiting for its first rollout', settled('Pending'), 'Progressing', 'Release Pending'],
      [
        'a Release rolling back',
        settled('RollingBack', condition('Progressing', 'True', 'rollback rb-1: revision 2 → 1')),
        'Progressing',
        'rollback rb-1: revision 2 → 1',
      ],
      [
        'a Failed Release, with the Ready condition saying why',
        settled(
          'Failed',
          condition('Progressing', 'False', 'rollout stopped'),
          condition('Ready', 'False', 'revision 3 failed and revision 2 runs again'),
        ),
        'Degraded',
        'revision 3 failed and revision 2 runs again',
      ],
      [
        'a Failed Release with only a Progressing condition',
        settled('Failed', condition('Progressing', 'False', 'progress deadline exceeded')),
        'Degraded',
        'progress deadline exceeded',
      ],
      [
        'a paused Release',
        settled('Ready', condition('Ready', 'True', 'healthy'), condition('Paused', 'True', 'paused by spec.paused')),
        'Suspended',
        'paused by spec.paused',
      ],
      [
        'a Release that was resumed',
        settled('Ready', condition('Ready', 'True', 'healthy'), condition('Paused', 'False', 'resumed')),
        'Healthy',
        'healthy',
      ],
      [
        'a Failed Release that is also paused (the failure comes first)',
        settled('Failed', condition('Ready', 'False', 'revision 3 failed'), condition('Paused', 'True', 'paused')),
        'Degraded',
        'revision 3 failed',
      ],
      [
        'kstatus Stalled',
        settled('Pending', condition('Stalled', 'True', 'spec.template: selector overlaps Release api')),
        'Degraded',
        'spec.template: selector overlaps Release api',
      ],
      [
        'an invalid spec',
        settled('Pending', condition('InvalidSpec', 'True', 'port "metrics" is not declared')),
        'Degraded',
        'port "metrics" is not declared',
      ],
      [
        'kstatus Reconciling while the phase still reads Ready',
        settled(
          'Ready',
          condition('Reconciling', 'True', 'rolling out generation 2'),
          condition('Ready', 'True', 'old'),
        ),
        'Progressing',
        'rolling out generation 2',
      ],
    ].map(([what, object, status, message]) => ({ what, object, status, message })),
  )('$what: $status', async ({ object, status, message }) => {
    expect(await health(object as object)).toEqual({ status, message });
  });
});

describe('the argocd-cm snippet in deploy/argocd/README.md', () => {
  it('is health.lua as is, under the key Argo CD reads for rollguard.dev Releases', async () => {
    const readme = await readFile(new URL('../../deploy/argocd/README.md', import.meta.url), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const configMap = parse(block) as { data: Record<string, string> };
    expect(configMap.data['resource.customizations.health.rollguard.dev_Release']).toBe(await readFile(script, 'utf8'));
  });
});
