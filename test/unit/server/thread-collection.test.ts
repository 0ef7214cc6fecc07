import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { collectThreadHeaps, threadHeapSlackBytes } from '../../../src/server/thread-collection.ts';
import { startAllocatorTrim } from '../../../src/server/allocator-trim.ts';
import { createLogger } from '../../../src/telemetry/log.ts';

/**
 * A thread that, on `churn`, allocates as a workflow thread does in a bulk update (many objects, a
 * few kept a while) and then sits idle; it answers `done`. On `count` it answers how many it keeps.
 */
const thread = `
const { parentPort } = require('node:worker_threads');
let kept = [];
parentPort.on('message', (message) => {
  if (message === 'churn') {
    for (let round = 0; round < 200; round++) {
      const objects = [];
      for (let i = 0; i < 20_000; i++) objects.push({ i, text: 'object ' + i });
      if (round % 10 === 0) kept.push(objects);
    }
    kept = kept.slice(-3);
    parentPort.postMessage('done');
  } else parentPort.postMessage(kept.length);
});
parentPort.postMessage('up');`;

const MiB = 2 ** 20;
const threads: Worker[] = [];

async function started(): Promise<Worker> {
  const worker = new Worker(thread, { eval: true });
  threads.push(worker);
  await once(worker, 'message');
  return worker;
}

async function ask(worker: Worker, message: string): Promise<unknown> {
  worker.postMessage(message);
  const [answer] = (await once(worker, 'message')) as [unknown];
  return answer;
}

afterEach(async () => {
  await Promise.all(threads.splice(0).map((worker) => worker.terminate()));
});

describe('collectThreadHeaps', () => {
  it("collects an idle thread's heap that holds much it does not use, and the thread goes on", async () => {
    const worker = await started();
    await ask(worker, 'churn');
    const before = await worker.getHeapStatistics();
    // V8 left the thread's garbage and its grown young generation committed.
    expect(before.total_heap_size - before.used_heap_size).toBeGreaterThan(threadHeapSlackBytes);

    const collection = await collectThreadHeaps();

    const after = await worker.getHeapStatistics();
    expect(collection).toMatchObject({ threads: 1, collected: 1, unanswered: 0 });
    expect(before.total_heap_size - after.total_heap_size).toBeGreaterThan(20 * MiB);
    expect(collection.freedBytes).toBeGreaterThan(20 * MiB);
    // What the thread keeps is still there, and it works as before.
    expect(await ask(worker, 'count')).toBe(3);
    expect(await ask(worker, 'churn')).toBe('done');
  }, 60_000);

  it('leaves alone a thread whose heap holds little it does not use', async () => {
    const busy = await started();
    const fresh = await started();
    await ask(busy, 'churn');
    const freshBefore = await fresh.getHeapStatistics();
    expect(freshBefore.total_heap_size - freshBefore.used_heap_size).toBeLessThan(threadHeapSlackBytes);

    const collection = await collectThreadHeaps();

    expect(collection).toMatchObject({ threads: 2, collected: 1, unanswered: 0 });
  }, 60_000);

  it('is taken by the allocator trim once per quiet spell', async () => {
    const worker = await started();
    await ask(worker, 'churn');
    const lines: string[] = [];
    const log = createLogger(
      {},
      { level: 'debug', write: (_, line) => lines.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const trims = () => lines.filter((msg) => msg === 'allocator trimmed').length;
    const running = await startAllocatorTrim({ log, everyMs: 200, trim: () => Promise.resolve(true), collect: null });
    try {
      await expect.poll(trims, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(3);
    } finally {
      running.stop();
    }
    expect(lines.filter((msg) => msg === 'thread heaps collected in full')).toHaveLength(1);
    const after = await worker.getHeapStatistics();
    expect(after.total_heap_size - after.used_heap_size).toBeLessThan(threadHeapSlackBytes);
  }, 60_000);
});
