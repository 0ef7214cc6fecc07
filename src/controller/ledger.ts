/**
 * What this controller has delivered to each Release's workflow, by Release uid, so an event with
 * nothing new sends nothing. It is memory only: a controller that starts (or takes over the lease)
 * begins empty and asks each workflow what it has seen (its memo) before sending anything.
 */
export class DeliveryLedger {
  // `verified`: the workflow was seen running since the last resync, so the generation can be trusted.
  readonly #generations = new Map<string, { generation: number; verified: boolean }>();
  readonly #rollbacks = new Map<string, string>();
  readonly #deleteSignalled = new Map<string, string>();

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
   * A rollback annotation already sent, remembered until the annotation is removed, so a failed
   * removal retried does not roll back twice.
   */
  rollbackSent(uid: string, annotation: string): boolean {
    return this.#rollbacks.get(uid) === annotation;
  }

  recordRollbackSent(uid: string, annotation: string): void {
    this.#rollbacks.set(uid, annotation);
  }

  clearRollback(uid: string): void {
    this.#rollbacks.delete(uid);
  }

  /** The run that was sent `delete`, so waiting again after a timeout does not send it twice. */
  deleteSignalled(uid: string, runId: string): boolean {
    return this.#deleteSignalled.get(uid) === runId;
  }

  recordDeleteSignalled(uid: string, runId: string): void {
    this.#deleteSignalled.set(uid, runId);
  }

  forget(uid: string): void {
    this.#generations.delete(uid);
    this.#rollbacks.delete(uid);
    this.#deleteSignalled.delete(uid);
  }
}
