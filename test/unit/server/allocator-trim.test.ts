import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startAllocatorTrim, type MallocTrim } from '../../../src/server/allocator-trim.ts';
import type { Logger } from '../../../src/telemetry/log.ts';

const module = fileURLToPath(new URL('../../../src/server/allocator-trim.ts', import.meta.url));

/**
 * A process that leaves its malloc heap as a bulk update does: many small blocks freed among a few
 * that live on, so that glibc cannot hand the free ones back on its own. It prints its RSS in MiB
 * after the blocks are freed and again after one trim.
 */
const fragmented = `
import { loadMallocTrim } from ${JSON.stringify(module)};
const rss = () => Math.round(process.memoryUsage.rss() / 2 ** 20);
const trim = await loadMallocTrim();
if (typeof trim !== 'function') throw new Error(trim.unavailable);
const kept = [];
let all = [];
for (let i = 0; i < 80_000; i++) {
  const block = Buffer.allocUnsafeSlow(4096).fill(1);
  all.push(block);
  if (i % 10 === 0) kept.push(block);
}
all = undefined;
gc();
gc();
const freed = rss();
const released = await trim();
console.log(JSON.stringify({ freed, trimmed: rss(), released, kept: kept.length }));`;

function recorder(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => void lines.push({ level, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as never;
}

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the allocator trim', () => {
  it("gives a fragmented malloc heap's free memory back to the system (glibc)", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', fragmented],
      { timeout: 60_000 },
    );
    const { freed, trimmed, released } = JSON.parse(stdout) as { freed: number; trimmed: number; released: boolean };
    // 72,000 freed blocks of 4 KiB among 8,000 kept: about 280 MiB the heap held, free.
    expect(released).toBe(true);
    expect(freed - trimmed).toBeGreaterThan(200);
  }, 60_000);

  it('trims at every interval, never two at once, and not after stop', async () => {
    let calls = 0;
    let inFlight = 0;
    let most = 0;
    const trim: MallocTrim = async () => {
      calls++;
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 25)); // slower than the interval
      inFlight--;
      return true;
    };
    const log = recorder();
    const running = await startAllocatorTrim({ log, everyMs: 5, trim });
    await until(() => calls >= 4);
    running.stop();
    await until(() => inFlight === 0);
    const stoppedAt = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(stoppedAt);
    expect(most).toBe(1);
    expect(log.lines.filter((line) => line.msg === 'allocator trimmed').length).toBe(calls);
  });

  it('stops trimming after a trim fails, with one warning', async () => {
    let calls = 0;
    const trim: MallocTrim = () => {
      calls++;
      return Promise.reject(new Error('no such symbol'));
    };
    const log = recorder();
    const running = await startAllocatorTrim({ log, everyMs: 5, trim });
    await until(() => log.lines.some((line) => line.level === 'warn'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.stop();
    expect(calls).toBe(1);
    expect(log.lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', msg: 'the allocator could not be trimmed: no more trims' },
    ]);
  });
});
