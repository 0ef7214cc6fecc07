import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { dataDir } from './paths.ts';
import { host, ports } from './ports.ts';
import { ensureDaemon, httpOk, stopDaemon } from './process.ts';
import { temporalAddress, temporalUiUrl } from './temporal.ts';
import { toolPath } from './tools.ts';

/** The name the stack records the Web UI server's pid under (the cluster profile's; the dev server serves its own). */
export const temporalUiDaemon = 'temporal-ui';
const dir = join(dataDir, 'temporal-cluster', 'ui');

/** The Web UI server's configuration (ui-server's config/development.yaml, trimmed). */
const uiConfig = (): string =>
  stringify({
    temporalGrpcAddress: temporalAddress,
    host,
    port: ports.temporalUi,
    enableUi: true,
    defaultNamespace: 'default',
    cors: { cookieInsecure: true, allowOrigins: [temporalUiUrl], unsafeAllowAllOrigins: false },
    refreshInterval: '1m',
    showTemporalSystemNamespace: false,
    notifyOnNewVersion: false,
    forwardHeaders: [],
  });

/** The Web UI server (ui-server) in front of the cluster profile's frontend, on ROLLGUARD_TEMPORAL_UI_PORT. */
export const startTemporalUi = (): Promise<void> =>
  ensureDaemon({
    name: temporalUiDaemon,
    title: 'the Temporal Web UI',
    ports: ['temporalUi'],
    // The UI's API proxies to the frontend, so a 200 here means both the UI and the cluster answer.
    ready: () => httpOk(`${temporalUiUrl}/api/v1/namespaces/default`),
    timeoutMs: 90_000,
    async prepare() {
      await mkdir(join(dir, 'config'), { recursive: true });
      await writeFile(join(dir, 'config', 'development.yaml'), uiConfig());
      const args = ['--root', dir, '--config', 'config', '--env', 'development', 'start'];
      return { command: await toolPath('temporal-server', 'temporal-ui-server'), args };
    },
  });

export const stopTemporalUi = (): Promise<boolean> => stopDaemon(temporalUiDaemon);
