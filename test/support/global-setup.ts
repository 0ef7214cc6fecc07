import { stackUp } from '../../dev/stack/stack.ts';

/** Integration tests attach to the local stack; start whatever of it is not already answering. */
export default async function setup(): Promise<void> {
  await stackUp((line) => console.error(`[stack] ${line}`));
}
