import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The clone this code runs from. */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Per-clone state of the local stack: databases, logs, pids, kubeconfig. */
export const dataDir = process.env.ROLLGUARD_DATA_DIR ?? join(repoRoot, '.data');

/** Tool builds are cached outside the clone, by version, so every clone on a machine shares them. */
export const cacheDir =
  process.env.ROLLGUARD_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rollguard');

export const logsDir = join(dataDir, 'logs');
export const pidsDir = join(dataDir, 'pids');
