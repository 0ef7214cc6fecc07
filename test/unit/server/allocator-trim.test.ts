import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startAllocatorTrim, type MallocTrim } from '../../../src/server/allocator-trim.ts';
import { createLogger } from '../../../src/telemetry/log.ts';

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

/** A logger at debug level whose lines are kept, level and message. */
function recorder() {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger(
    {},
    { level: 'debug', write: (level, line) => lines.push({ level, msg: (JSON.parse(line) as { msg: string }).msg }) },
  );
  return { log, lines };
}

const poll = { timeout: 5_000, interval: 5 };

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
    const { log, lines } = recorder();
    const running = await startAllocatorTrim({ log, everyMs: 5, trim });
    await expect.poll(() => calls, poll).toBeGreaterThanOrEqual(4);
    running.stop();
    await expect.poll(() => inFlight, poll).toBe(0);
    const stoppedAt = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(stoppedAt);
    expect(most).toBe(1);
    expect(lines.filter((line) => line.msg === 'allocator trimmed').length).toBe(calls);
  });

  it('stops trimming after a trim fails, with one warning', async () => {
    let calls = 0;
    const trim: MallocTrim = () => {
      calls++;
      return Promise.reject(new Error('no such symbol'));
    };
    const { log, lines } = recorder();
    const running = await startAllocatorTrim({ log, everyMs: 5, trim });
    await expect.poll(() => lines.some((line) => line.level === 'warn'), poll).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.stop();
    expect(calls).toBe(1);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', msg: 'the allocator could not be trimmed: no more trims' },
    ]);
  });
});
