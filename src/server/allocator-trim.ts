import type { Logger } from '../telemetry/log.ts';
import { allocatorTrimmedBytes } from '../telemetry/metrics.ts';

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

export interface AllocatorTrim {
  stop(): void;
}

/**
 * Calls malloc_trim every `everyMs` for as long as the process runs. A trim while the process is busy
 * costs a few milliseconds on a thread of the pool; the memory it releases comes back, as page
 * faults, only if the allocator needs it again.
 */
export async function startAllocatorTrim({
  log,
  everyMs = allocatorTrimIntervalMs,
  trim,
}: {
  log: Logger;
  everyMs?: number;
  /** The trim to call (default: glibc's, when this process has it). */
  trim?: MallocTrim;
}): Promise<AllocatorTrim> {
  const loaded = trim ?? (await loadMallocTrim());
  if (typeof loaded !== 'function') {
    log.debug('the allocator is not trimmed', { reason: loaded.unavailable });
    return { stop: () => undefined };
  }
  log.debug('the allocator is trimmed', { everyMs });
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a trim slower than the interval: never two at once
    running = true;
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    loaded()
      .then(
        (released) => {
          const freed = rssBefore - process.memoryUsage.rss();
          if (freed > 0) allocatorTrimmedBytes.inc(freed);
          log.debug('allocator trimmed', {
            released,
            freedMiB: Math.round(freed / 2 ** 20),
            tookMs: Math.round(performance.now() - started),
          });
        },
        (err: unknown) => {
          log.warn('the allocator could not be trimmed: no more trims', { error: (err as Error).message });
          clearInterval(timer);
        },
      )
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
