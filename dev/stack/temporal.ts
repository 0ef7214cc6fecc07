import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { searchAttributes, searchAttributeSpec } from '../../src/workflows/search-attributes.ts';
import { dataDir } from './paths.ts';
import { host, ports } from './ports.ts';
import { ensureDaemon, httpOk, stopDaemon } from './process.ts';
import { toolPath } from './tools.ts';

const name = 'temporal';
export const temporalAddress = `${host}:${ports.temporal}`;
export const temporalUiUrl = `http://${host}:${ports.temporalUi}`;

export const suggestContinueAsNewAt = Number(process.env.ROLLGUARD_TEMPORAL_SUGGEST_CONTINUE_AS_NEW ?? 400);

/** The UI's API proxies to the frontend, so a 200 here means both the UI and the server answer. */
const ready = (): Promise<boolean> => httpOk(`${temporalUiUrl}/api/v1/namespaces/default`);

/**
 * The Temporal dev server: one process with the frontend, history in a SQLite file that survives a
 * restart, the Web UI, and the search attributes Release workflows set.
 */
export const startTemporal = (): Promise<void> =>
  ensureDaemon({
    name,
    title: 'Temporal dev server',
    ports: ['temporal', 'temporalUi'],
    ready,
    timeoutMs: 90_000,
    async prepare() {
      const dir = join(dataDir, 'temporal');
      await mkdir(dir, { recursive: true });
      const args = [
        'server',
        'start-dev',
        '--ip',
        host,
        '--port',
        String(ports.temporal),
        '--ui-port',
        String(ports.temporalUi),
        '--db-filename',
        join(dir, 'temporal.db'),
        '--log-level',
        'warn',
        // A write-ahead log, synced at checkpoints rather than at every commit: the default (a rollback
        // journal synced at every commit) made Temporal the slowest part of a bulk rollout here
        // (docs/benchmarks.md). A crash of the process loses nothing; one of the machine, the last commits.
        '--sqlite-pragma',
        'journal_mode=wal',
        '--sqlite-pragma',
        'synchronous=normal',
        // Low, so a test reaches it with a few rollouts and continue-as-new is exercised (the default is 4096).
        '--dynamic-config-value',
        `limit.historyCount.suggestContinueAsNew=${suggestContinueAsNewAt}`,
        ...searchAttributes.flatMap((key) => ['--search-attribute', searchAttributeSpec(key)]),
      ];
      return { command: await toolPath('temporal', 'temporal'), args };
    },
  });

export const stopTemporal = (): Promise<boolean> => stopDaemon(name);
