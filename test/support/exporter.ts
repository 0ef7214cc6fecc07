import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { prometheusTargetsDir } from '../../dev/stack/prometheus.ts';

/**
 * A metrics endpoint whose values the test sets, registered as a scrape target of the stack's
 * Prometheus (a file_sd file), so PromQL checks run against real scraped data.
 */
export class TestExporter {
  /** Metric (with labels) → its value, or a function computing it at each scrape. */
  readonly values = new Map<string, number | (() => number)>();
  private server: Server | undefined;
  private targetFile: string | undefined;

  readonly job: string;

  constructor(job: string) {
    this.job = job;
  }

  get address(): string {
    return `127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        [...this.values]
          .map(([metric, value]) => `${metric} ${typeof value === 'function' ? value() : value}\n`)
          .join(''),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.targetFile = join(prometheusTargetsDir, `${this.job}.json`);
    await writeFile(this.targetFile, JSON.stringify([{ targets: [this.address], labels: { exporter: this.job } }]));
  }

  async stop(): Promise<void> {
    if (this.targetFile) await rm(this.targetFile, { force: true });
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Runs an instant PromQL query and returns the first sample's value (undefined for no data). */
export async function promQuery(url: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
  const sample = body.data.result[0];
  return sample ? Number(sample.value[1]) : undefined;
}
