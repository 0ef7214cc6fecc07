/** An Event rollguard records on a Release (kubectl describe, kubectl events). */
export interface ReleaseEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** What rollguard did, e.g. "Rollout", "Rollback" (the Event's action). */
  action: string;
  /**
   * Makes recording idempotent: an Event with the same key is one Event, however often the call is
   * repeated (activities run at least once). The workflow keys each Event by its own sequence.
   */
  key?: string;
}
