import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  heapSlackBytes,
  startAllocatorTrim,
  wantsCollection,
  type MallocTrim,
} from '../../../src/server/allocator-trim.ts';
import { createLogger } from '../../../src/telemetry/log.ts';

const module = fileURLToPath(new URL('../../../src/server/allocator-trim.ts', import.meta.url));
const logModule = fileURLToPath(new URL('../../../src/telemetry/log.ts', import.meta.url));

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

/**
 * A process whose JS heap grew to hundreds of MiB and then dropped it all, as a worker's main thread
 * does in a bulk update, then sits quiet with the trims running (without --expose-gc). It prints the
 * heap V8 held committed before the first trim and after it, and what the trims logged.
 */
const quietAfterGarbage = `
import v8 from 'node:v8';
import { startAllocatorTrim } from ${JSON.stringify(module)};
import { createLogger } from ${JSON.stringify(logModule)};
const committed = () => Math.round(v8.getHeapStatistics().total_heap_size / 2 ** 20);
let garbage = Array.from({ length: 3_000_000 }, (_, i) => ({ i, name: 'object ' + i }));
garbage = undefined;
const before = committed();
const lines = [];
const log = createLogger({}, { level: 'debug', write: (_, line) => {
  const { msg, quiet } = JSON.parse(line);
  lines.push(msg === 'allocator trimmed' ? msg + (quiet ? ' (quiet)' : ' (busy)') : msg);
} });
const running = await startAllocatorTrim({ log, everyMs: 1_000 });
const trims = () => lines.filter((msg) => msg.startsWith('allocator trimmed')).length;
const collected = () => lines.includes('heap collected in full');
for (const until = Date.now() + 20_000; (trims() < 3 || !collected()) && Date.now() < until; )
  await new Promise((resolve) => setTimeout(resolve, 50));
running.stop();
console.log(JSON.stringify({ before, after: committed(), lines, exposed: typeof globalThis.gc }));`;

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

  it("collects a quiet process's JS heap in full first, giving back what V8 held and did not use", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', quietAfterGarbage], {
      timeout: 60_000,
    });
    const { before, after, lines, exposed } = JSON.parse(stdout) as {
      before: number;
      after: number;
      lines: string[];
      exposed: string;
    };
    expect(lines).toContain('heap collected in full');
    expect(lines.filter((msg) => msg.startsWith('allocator trimmed')).length).toBeGreaterThanOrEqual(3);
    // Each collection is followed by the trim of the same interval, a quiet one (the first intervals
    // may be busy: the process is starting). Once in a quiet spell, not at every trim: between two
    // collections a busy interval ended the spell (a loaded machine can make one busy).
    let spellOpen = false;
    lines.forEach((msg, i) => {
      if (msg === 'allocator trimmed (busy)') spellOpen = false;
      if (msg !== 'heap collected in full') return;
      expect(lines[i + 1], lines.join('\n')).toBe('allocator trimmed (quiet)');
      expect(spellOpen, lines.join('\n')).toBe(false);
      spellOpen = true;
    });
    // Three million objects dropped: V8 held hundreds of MiB it no longer used, and gives most back.
    expect(before - after, stdout).toBeGreaterThan(100);
    // The collection was taken without exposing gc to the process's code.
    expect(exposed).toBe('undefined');
  }, 60_000);

  it('collects only when the process was quiet and V8 holds much heap it does not use', () => {
    const used = 50 * 2 ** 20;
    expect(wantsCollection({ utilization: 0.01, committedBytes: used + heapSlackBytes, usedBytes: used })).toBe(true);
    expect(wantsCollection({ utilization: 0.5, committedBytes: used + heapSlackBytes, usedBytes: used })).toBe(false);
    expect(wantsCollection({ utilization: 0.01, committedBytes: used + heapSlackBytes - 1, usedBytes: used })).toBe(
      false,
    );
  });

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
    const running = await startAllocatorTrim({ log, everyMs: 5, trim, collect: null });
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
    const running = await startAllocatorTrim({ log, everyMs: 5, trim, collect: null });
    await expect.poll(() => lines.some((line) => line.level === 'warn'), poll).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.stop();
    expect(calls).toBe(1);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', msg: 'the allocator could not be trimmed: no more trims' },
    ]);
  });
});
