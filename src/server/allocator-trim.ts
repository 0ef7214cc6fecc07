import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from '../telemetry/log.ts';
import { allocatorTrimmedBytes } from '../telemetry/metrics.ts';
import { collectThreadHeaps, type ThreadCollection } from './thread-collection.ts';

/**
 * How often `rollguard run` hands the C allocator's free memory back to the system. A bulk update
 * leaves glibc's malloc arenas (the Temporal SDK's core, Node's buffers) holding what was freed:
 * after one at N = 300, a worker held 477 MiB of which malloc_trim gave 129 MiB back at once
 * (docs/benchmarks.md). glibc trims only the top of its main heap on its own.
 */
export const allocatorTrimIntervalMs = 30_000;

/** glibc's `malloc_trim(0)`, run off the event loop; resolves to whether it released anything. */
export type MallocTrim = () => Promise<boolean>;

/**
 * glibc's malloc_trim through koffi, or why it cannot be called here (another C library, such as
 * musl or macOS's, or no build of koffi for this platform).
 */
export async function loadMallocTrim(): Promise<MallocTrim | { unavailable: string }> {
  if (process.platform !== 'linux') return { unavailable: `not on Linux (${process.platform})` };
  try {
    const { default: koffi } = await import('koffi');
    // glibc's name on Linux; musl has neither it nor these two functions.
    const libc = koffi.load('libc.so.6');
    libc.func('const char *gnu_get_libc_version()');
    const trim = libc.func('int malloc_trim(size_t pad)');
    return () =>
      new Promise<boolean>((resolve, reject) => {
        // Async: koffi calls it on libuv's thread pool, so the event loop goes on meanwhile.
        trim.async(0, (err: unknown, released: number) =>
          err ? reject(err instanceof Error ? err : new Error('malloc_trim failed')) : resolve(released === 1),
        );
      });
  } catch (err) {
    return { unavailable: `glibc's malloc_trim cannot be called here: ${(err as Error).message}` };
  }
}

/**
 * When a quiet process collects its JS heap in full before a trim: its event loop was busy less than
 * this share of the last interval, and V8 holds at least `heapSlackBytes` of heap it does not use.
 * After a bulk update V8 kept the main thread's old space committed far above its use (157 MiB for
 * 48 at N = 1,000); a full collection then gave about 30 MiB more back (docs/benchmarks.md).
 */
export const quietUtilization = 0.05;
export const heapSlackBytes = 32 * 2 ** 20;

/** Whether to collect the JS heap in full now (see quietUtilization). */
export function wantsCollection({
  utilization,
  committedBytes,
  usedBytes,
}: {
  /** The event loop's utilization over the last interval, 0 to 1. */
  utilization: number;
  committedBytes: number;
  usedBytes: number;
}): boolean {
  return utilization < quietUtilization && committedBytes - usedBytes >= heapSlackBytes;
}

/**
 * V8's full collection of this thread's heap: `gc` as `--expose-gc` exposes it, or else taken once
 * from a context made while the flag is set, then unset, so that no later context (the workflow
 * thread's) has it. Undefined if V8 refuses.
 */
export function fullCollection(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

export interface AllocatorTrim {
  stop(): void;
}

/**
 * Calls malloc_trim every `everyMs` for as long as the process runs. A trim while the process is busy
 * costs a few milliseconds on a thread of the pool; the memory it releases comes back, as page
 * faults, only if the allocator needs it again. Once per quiet spell the heaps are collected in full
 * first: the main thread's when V8 holds much of it unused (wantsCollection), tens of milliseconds of
 * the event loop (V8 may keep pages committed after it, which a second collection would not give
 * back); and each other thread's, the workflow thread's, that holds much unused (thread-collection.ts),
 * a few hundred milliseconds of that thread.
 */
export async function startAllocatorTrim({
  log,
  everyMs = allocatorTrimIntervalMs,
  trim,
  collect,
  collectThreads = collectThreadHeaps,
}: {
  log: Logger;
  everyMs?: number;
  /** The trim to call (default: glibc's, when this process has it). */
  trim?: MallocTrim;
  /** The main thread's full collection (default: V8's, see fullCollection); null: never. */
  collect?: (() => void) | null | undefined;
  /** The other threads' collections (default: collectThreadHeaps); null: never. */
  collectThreads?: (() => Promise<ThreadCollection>) | null;
}): Promise<AllocatorTrim> {
  const loaded = trim ?? (await loadMallocTrim());
  if (typeof loaded !== 'function') {
    log.debug('the allocator is not trimmed', { reason: loaded.unavailable });
    return { stop: () => undefined };
  }
  // Taken only once the trim is there to follow it: elsewhere V8's flags are left alone.
  const collector = collect === undefined ? fullCollection() : collect;
  let threadCollector = collectThreads;
  log.debug('the allocator is trimmed', {
    everyMs,
    collectsWhenQuiet: Boolean(collector),
    collectsThreadsWhenQuiet: Boolean(threadCollector),
  });
  let loop = performance.eventLoopUtilization();
  // One full collection per quiet spell: V8 may keep some of its heap committed after it.
  let collectedWhileQuiet = false;

  const collectMainThread = (utilization: number): void => {
    const heap = v8.getHeapStatistics();
    if (
      !collector ||
      !wantsCollection({ utilization, committedBytes: heap.total_heap_size, usedBytes: heap.used_heap_size })
    )
      return;
    const rss = process.memoryUsage.rss();
    const started = performance.now();
    collector();
    log.debug('heap collected in full', {
      freedMiB: Math.round((rss - process.memoryUsage.rss()) / 2 ** 20),
      committedMiB: Math.round(v8.getHeapStatistics().total_heap_size / 2 ** 20),
      tookMs: Math.round(performance.now() - started),
    });
  };

  const collectOtherThreads = async (): Promise<void> => {
    if (!threadCollector) return;
    const started = performance.now();
    try {
      const { threads, collected, freedBytes, unanswered } = await threadCollector();
      if (collected > 0 || unanswered > 0)
        log.debug('thread heaps collected in full', {
          threads,
          collected,
          unanswered,
          freedMiB: Math.round(freedBytes / 2 ** 20),
          tookMs: Math.round(performance.now() - started),
        });
    } catch (err) {
      log.warn("the threads' heaps cannot be collected: no more thread collections", {
        error: (err as Error).message,
      });
      threadCollector = null;
    }
  };

  const trimOnce = async (): Promise<void> => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, loop);
    loop = now;
    const quiet = utilization < quietUtilization;
    if (!quiet) collectedWhileQuiet = false;
    else if (!collectedWhileQuiet) {
      collectedWhileQuiet = true;
      collectMainThread(utilization);
      await collectOtherThreads();
      loop = performance.eventLoopUtilization(); // the collections' own time is not the process being busy
    }
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    const released = await loaded();
    const freed = rssBefore - process.memoryUsage.rss();
    if (freed > 0) allocatorTrimmedBytes.inc(freed);
    log.debug('allocator trimmed', {
      quiet,
      released,
      freedMiB: Math.round(freed / 2 ** 20),
      tookMs: Math.round(performance.now() - started),
    });
  };

  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a trim slower than the interval: never two at once
    running = true;
    trimOnce()
      .catch((err: unknown) => {
        log.warn('the allocator could not be trimmed: no more trims', { error: (err as Error).message });
        clearInterval(timer);
      })
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
