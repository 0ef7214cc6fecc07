/**
 * Which Temporal the local stack runs: `dev`, the Temporal CLI's dev server on SQLite (the default),
 * or `cluster`, the real Temporal server, each of its services a process of its own, on PostgreSQL
 * (docs/operations.md). Everything else of the stack is the same in both.
 */
export const stackProfiles = ['dev', 'cluster'] as const;
export type StackProfile = (typeof stackProfiles)[number];

/** The profile `--profile` or ROLLGUARD_STACK_PROFILE names (`dev` when neither does); throws naming a bad one. */
export function parseProfile(value: string | undefined, source = 'ROLLGUARD_STACK_PROFILE'): StackProfile {
  if (value === undefined || value === '') return 'dev';
  const found = stackProfiles.find((profile) => profile === value);
  if (!found) throw new Error(`${source}=${value} is not a profile of the stack; one of: ${stackProfiles.join(', ')}`);
  return found;
}
