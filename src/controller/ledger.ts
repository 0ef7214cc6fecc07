import type { RollbackLedger } from './plan.ts';

/**
 * What this controller has delivered to each Release's workflow, by Release uid, so an event with
 * nothing new sends nothing. It is memory only: a controller that starts (or takes over the lease)
 * begins empty and asks each workflow what it has seen (its memo) before sending anything.
 */
export class DeliveryLedger {
  // `verified`: the workflow was seen running since the last resync, so the generation can be trusted.
  readonly #generations = new Map<string, { generation: number; verified: boolean }>();
  readonly #rollbacks = new Map<string, RollbackLedger>();
  readonly #deleteSignalled = new Map<string, { runId: string; at: number }>();
  readonly #restores = new Map<string, string>();
  readonly #strategyRequests = new Map<string, Record<string, string>>();

  /** The generation the running workflow has, or undefined when the workflow must be asked. */
  delivered(uid: string): number | undefined {
    const entry = this.#generations.get(uid);
    return entry?.verified ? entry.generation : undefined;
  }

  /**
   * Records what describing the workflow showed. A running workflow has seen the newer of what we sent
   * and what its memo says; a closed or missing one has seen nothing, so the next spec starts a new run.
   */
  observeWorkflow(uid: string, workflow: { running: boolean; memoGeneration?: number }): number {
    const sent = this.#generations.get(uid)?.generation ?? 0;
    const generation = workflow.running ? Math.max(sent, workflow.memoGeneration ?? 0) : 0;
    // A run that closed took any request it had not handled with it: the status alone says what was done.
    if (!workflow.running) {
      this.#rollbacks.set(uid, { ...this.#rollbacks.get(uid), sent: undefined });
      this.#strategyRequests.delete(uid);
    }
    this.#generations.set(uid, { generation, verified: true });
    return generation;
  }

  recordDelivered(uid: string, generation: number): void {
    const known = this.#generations.get(uid);
    this.#generations.set(uid, { generation: Math.max(generation, known?.generation ?? 0), verified: true });
  }

  /** The workflow may have closed behind our back: ask it again before trusting the ledger. */
  unverify(uid: string): void {
    const known = this.#generations.get(uid);
    if (known) known.verified = false;
  }

  unverifyAll(): void {
    for (const entry of this.#generations.values()) entry.verified = false;
  }

  /**
   * The rollback request last sent and the malformed one last reported: between sending a request
   * and the workflow recording it in the status, events on the Release must not send it again.
   */
  rollbacks(uid: string): RollbackLedger {
    return { ...this.#rollbacks.get(uid) };
  }

  /** The id of the request last sent on each strategy channel (promote, promoteFull, abort, retry). */
  strategyRequests(uid: string): Record<string, string> {
    return { ...this.#strategyRequests.get(uid) };
  }

  recordStrategyRequestSent(uid: string, channel: string, requestId: string): void {
    this.#strategyRequests.set(uid, { ...this.#strategyRequests.get(uid), [channel]: requestId });
  }

  /** The key of the foreign status write a restore was last sent for. */
  restoreSent(uid: string): string | undefined {
    return this.#restores.get(uid);
  }

  recordRestoreSent(uid: string, key: string): void {
    this.#restores.set(uid, key);
  }

  recordRollbackSent(uid: string, requestId: string): void {
    this.#rollbacks.set(uid, { ...this.#rollbacks.get(uid), sent: requestId });
  }

  recordRollbackRefused(uid: string, key: string): void {
    this.#rollbacks.set(uid, { ...this.#rollbacks.get(uid), refused: key });
  }

  /**
   * When (Date.now()) the run was sent `delete`, so that looking again while it cleans up does not send
   * it twice; undefined if it was not.
   */
  deleteSignalledAt(uid: string, runId: string): number | undefined {
    const signalled = this.#deleteSignalled.get(uid);
    return signalled?.runId === runId ? signalled.at : undefined;
  }

  recordDeleteSignalled(uid: string, runId: string, at: number): void {
    this.#deleteSignalled.set(uid, { runId, at });
  }

  forget(uid: string): void {
    this.#generations.delete(uid);
    this.#rollbacks.delete(uid);
    this.#deleteSignalled.delete(uid);
    this.#restores.delete(uid);
    this.#strategyRequests.delete(uid);
  }
}
