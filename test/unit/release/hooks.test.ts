import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookJobName, hookRunKey } from '../../../src/domain/release/hooks.ts';
import { releaseSpecSchema } from '../../../src/domain/api/index.ts';
import { readOperatorSinks } from '../../../src/server/notification-settings.ts';
import { InvalidSettingError, startRollguard } from '../../../src/server/rollguard.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../../src/telemetry/log.ts';

const ref = { namespace: 'shop', name: 'a-release-with-a-rather-long-name-indeed', uid: 'u-1' };

describe('a hook run', () => {
  it('has one key for every attempt of the run, and another for the next rollout or rollback', () => {
    const key = hookRunKey(ref, 'preRollout', 'migrate', { generation: 4 });
    expect(hookRunKey(ref, 'preRollout', 'migrate', { generation: 4 })).toBe(key);
    expect(hookRunKey(ref, 'preRollout', 'migrate', { generation: 5 })).not.toBe(key);
    const rollback = { id: 'rb-1', fromRevision: 3, toRevision: 2 };
    expect(hookRunKey(ref, 'onRollback', 'undo', { generation: 4, revision: 2, rollback })).toBe(
      'u-1/onRollback/undo/rollback-rb-1',
    );
  });

  it('names its Job as a DNS label of at most 63 characters, the same for every attempt', () => {
    const key = hookRunKey(ref, 'postRollout', 'a-very-long-hook-name-for-a-job', { generation: 1, revision: 1 });
    const name = hookJobName(ref, 'postRollout', 'a-very-long-hook-name-for-a-job', key);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(hookJobName(ref, 'postRollout', 'a-very-long-hook-name-for-a-job', key)).toBe(name);
  });
});

describe('spec.hooks and spec.notifications', () => {
  const spec = (more: object) =>
    releaseSpecSchema.safeParse({
      template: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      },
      ...more,
    });

  it('refuses a hook that is both an HTTP call and a Job, or neither', () => {
    const both = spec({ hooks: { preRollout: [{ name: 'x', http: { url: 'http://a/' }, job: { template: {} } }] } });
    expect(both.success).toBe(false);
    expect(both.error?.issues.map((i) => i.message)).toContain('exactly one of http or job must be set');
    expect(spec({ hooks: { preRollout: [{ name: 'x' }] } }).success).toBe(false);
  });

  it('gives an HTTP hook one attempt unless it is declared idempotent', () => {
    const parsed = spec({ hooks: { onRollback: [{ name: 'undo', http: { url: 'http://ops.example/undo' } }] } });
    expect(parsed.data?.hooks?.onRollback?.[0]?.http).toMatchObject({
      method: 'POST',
      timeout: '10s',
      idempotent: false,
    });
  });

  it('takes a sink URL only from a Secret', () => {
    expect(spec({ notifications: { sinks: [{ name: 'ops', type: 'Slack', url: 'https://x' }] } }).success).toBe(false);
    const ok = spec({
      notifications: { sinks: [{ name: 'ops', type: 'Slack', urlFrom: { secretKeyRef: { name: 's', key: 'url' } } }] },
    });
    expect(ok.data?.notifications).toMatchObject({ failureThreshold: 3, sinks: [{ retries: 5, timeout: '10s' }] });
  });

  it('leaves a spec without them as it was', () => {
    const parsed = spec({});
    expect(parsed.data).not.toHaveProperty('hooks');
    expect(parsed.data).not.toHaveProperty('notifications');
  });
});

describe('operator-wide sinks (rollguard run --notifications)', () => {
  const file = async (text: string): Promise<string> => {
    const path = join(await mkdtemp(join(tmpdir(), 'rollguard-sinks-')), 'sinks.yaml');
    await writeFile(path, text);
    return path;
  };

  it('are read from YAML with the namespace of their Secrets', async () => {
    const sinks = await readOperatorSinks(
      await file(
        'secretNamespace: rollguard-system\nsinks:\n  - name: ops\n    type: CloudEvents\n    urlFrom: { secretKeyRef: { name: notify, key: url } }\n',
      ),
    );
    expect(sinks).toMatchObject([
      { name: 'ops', type: 'CloudEvents', secretNamespace: 'rollguard-system', operator: true },
    ]);
  });

  it('name the file and the bad field when they are wrong', async () => {
    const path = await file('secretNamespace: ops\nsinks:\n  - name: ops\n    type: Teams\n');
    await expect(readOperatorSinks(path)).rejects.toThrow(`notification settings ${path} are invalid: sinks[0].type`);
  });

  it('stop rollguard run at start, before it connects to anything, when the file is wrong', async () => {
    const path = await file('sinks: []\n');
    const started = startRollguard({
      kubeConfig: new KubeConfig(),
      temporal: { address: '127.0.0.1:1' },
      controller: true,
      worker: true,
      watchNamespaces: [],
      notificationsFile: path,
      log: createLogger({}, { level: 'error' }),
    });
    await expect(started).rejects.toThrow(InvalidSettingError);
    await expect(started).rejects.toThrow(/secretNamespace: .*sinks: /);
  });
});
