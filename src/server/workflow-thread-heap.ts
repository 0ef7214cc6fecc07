import v8 from 'node:v8';

/**
 * The largest semi-space of the workflow thread's young generation, in MiB: V8's default on a 64-bit
 * machine is 64 MiB (a young generation of 128 MiB), which the workflow thread grew to under a bulk
 * update and kept committed long after it went idle (120 of 128 MiB committed, 27 used, 70 s after the
 * last rollout at N = 300: docs/benchmarks.md). A workflow activation leaves little alive, so a smaller
 * young generation costs few more collections.
 */
export const workflowThreadSemiSpaceMiB = 16;

/** Workers starting their workflow threads at once (tests start several in one process). */
let creating = 0;

/**
 * Runs `create` (which starts the SDK's workflow thread and waits for it to load the bundle) with V8's
 * --max-semi-space-size set for the isolates created meanwhile, then puts the flag back. The SDK starts
 * its thread without resourceLimits, and V8 reads the flag when it sizes a new isolate's heap: the main
 * thread's heap, sized at start, keeps V8's default.
 */
export async function withWorkflowThreadHeap<T>(create: () => Promise<T>): Promise<T> {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  // The operator sized the young generation of every isolate (NODE_OPTIONS, the node command line).
  if (flags.some((flag) => /^--max[-_]semi[-_]space[-_]size\b/.test(flag))) return await create();
  if (creating++ === 0) v8.setFlagsFromString(`--max-semi-space-size=${workflowThreadSemiSpaceMiB}`);
  try {
    return await create();
  } finally {
    // V8's own default again (0: sized by the heap limit), once no worker is starting its thread.
    if (--creating === 0) v8.setFlagsFromString('--max-semi-space-size=0');
  }
}
