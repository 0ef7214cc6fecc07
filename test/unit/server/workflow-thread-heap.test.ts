import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { withWorkflowThreadHeap, workflowThreadSemiSpaceMiB } from '../../../src/server/workflow-thread-heap.ts';

/**
 * A thread that says `up` once it runs, then on `go` allocates as a busy thread does (objects that
 * live a while) and answers how large its young generation grew, in MiB.
 */
const thread = `
const v8 = require('node:v8');
const { parentPort } = require('node:worker_threads');
parentPort.once('message', () => {
  let kept = [];
  for (let i = 0; i < 3e6; i++) {
    kept.push({ i, text: 'x' + i });
    if (kept.length > 200_000) kept = [];
  }
  const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  parentPort.postMessage(young.space_size / 1048576);
});
parentPort.postMessage('up');`;

/**
 * Two semi-spaces make a young generation (V8 reports a little more), and V8's default on a 64-bit
 * machine with memory to spare is 128 MiB: twice the two semi-spaces tells one from the other.
 */
const capped = 4 * workflowThreadSemiSpaceMiB;

async function started(): Promise<Worker> {
  const worker = new Worker(thread, { eval: true });
  await once(worker, 'message');
  return worker;
}

async function youngGenerationMiB(worker: Worker): Promise<number> {
  worker.postMessage('go');
  const [size] = (await once(worker, 'message')) as [number];
  await worker.terminate();
  return size;
}

describe('withWorkflowThreadHeap', () => {
  it(
    "caps the young generation of a thread started within it, and leaves later threads V8's default",
    { timeout: 60_000 },
    async () => {
      const within = await withWorkflowThreadHeap(started);
      const later = await started();
      expect(await youngGenerationMiB(within)).toBeLessThan(capped);
      expect(await youngGenerationMiB(later)).toBeGreaterThan(capped);
    },
  );

  it(
    'caps every thread of workers starting at once, and puts the flag back after the last',
    { timeout: 60_000 },
    async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = withWorkflowThreadHeap(async () => {
        const worker = await started();
        await gate; // still starting when the second one has started and returned
        return worker;
      });
      const second = await withWorkflowThreadHeap(started);
      const third = await started(); // the first is still starting: capped too
      release();
      const firstWorker = await first;
      const after = await started();
      expect(await youngGenerationMiB(firstWorker)).toBeLessThan(capped);
      expect(await youngGenerationMiB(second)).toBeLessThan(capped);
      expect(await youngGenerationMiB(third)).toBeLessThan(capped);
      expect(await youngGenerationMiB(after)).toBeGreaterThan(capped);
    },
  );
});
