/**
 * The kinds of refusal an activity reports as a non-retryable failure: what retrying cannot fix. The
 * workflow turns each into a condition and a Warning Event instead of retrying. Plain data, so both
 * sides (activities and the deterministic workflow code) import it.
 */
export const RefusalType = {
  /** The API server refused an object rollguard wrote (400, 422): the spec has to change. */
  ApplyRefused: 'ApplyRefused',
  /** rollguard's ServiceAccount may not do what the rollout needs (403). */
  Forbidden: 'Forbidden',
  /** An object of the same name belongs to another owner or field manager; rollguard does not take it. */
  ForeignObject: 'ForeignObject',
  /** Something the step needs is not there (a revision pruned meanwhile). */
  NotFound: 'NotFound',
} as const;
export type RefusalType = (typeof RefusalType)[keyof typeof RefusalType];

export const refusalTypes: readonly string[] = Object.values(RefusalType);
