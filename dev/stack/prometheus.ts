import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir } from './paths.ts';
import { host, ports } from './ports.ts';
import { ensureDaemon, httpOk, stopDaemon } from './process.ts';

const name = 'prometheus';
export const prometheusUrl = `http://${host}:${ports.prometheus}`;
const dir = join(dataDir, 'prometheus');

/**
 * Where scrape targets are added: every `*.json` file here is a Prometheus file_sd target list
 * (`[{"targets": ["127.0.0.1:9400"], "labels": {...}}]`), picked up within a couple of seconds.
 */
export const prometheusTargetsDir = join(dir, 'targets');

const config = `# Written by rollguard's local stack; edits are overwritten at the next stack:up.
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['${host}:${ports.prometheus}']
  - job_name: targets
    file_sd_configs:
      - files: ['${prometheusTargetsDir}/*.json']
        refresh_interval: 1s
`;

const ready = (): Promise<boolean> => httpOk(`${prometheusUrl}/-/ready`);

/** Debian's Prometheus on a loopback port, scraping itself and whatever the targets folder lists. */
export const startPrometheus = (): Promise<void> =>
  ensureDaemon({
    name,
    title: 'Prometheus',
    ports: ['prometheus'],
    ready,
    timeoutMs: 60_000,
    async prepare() {
      await mkdir(prometheusTargetsDir, { recursive: true });
      await writeFile(join(dir, 'prometheus.yml'), config);
      const args = [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${host}:${ports.prometheus}`,
        '--web.enable-lifecycle',
        '--log.level=warn',
      ];
      return { command: 'prometheus', args };
    },
  });

export const stopPrometheus = (): Promise<boolean> => stopDaemon(name);
