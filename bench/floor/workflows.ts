import { sleep } from '@temporalio/workflow';

/** The smallest workflow there is: what a worker with no code of its own carries (bench/worker-floor.ts). */
export async function idle(): Promise<void> {
  await sleep('1 day');
}
