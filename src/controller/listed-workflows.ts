import { releaseWorkflowId, type ReleaseRef } from '../domain/release/ref.ts';
import type { Logger } from '../telemetry/log.ts';
import type { ListedWorkflow, ReleaseWorkflows } from './release-workflows.ts';

/** How long a list is trusted: the controller goes through every Release well within it. */
export const listTrustedMs = 60_000;

/**
 * The running Release workflows as Temporal's visibility listed them, when the controller starts and
 * at each resync: the controller then goes through every Release, and each needs to know that its
 * workflow runs and which generation it has seen. One list answers that for 1,000 Releases a page,
 * where asking each workflow took a Describe per Release: 10,000 calls per resync at 10,000 Releases,
 * and 31 s after a restart (docs/benchmarks.md).
 *
 * A listed workflow is used only when its memo has the Release's generation, on the queue this
 * rollguard serves, while the list is fresh; anything else is asked of the workflow itself. Visibility
 * lags the workflows by about a second, so a workflow that closed within that second of the list counts
 * as running until the next resync; a closed workflow is started again by the next spec, and a request
 * it fails to take is retried after asking it (reconcile-release.ts).
 */
export class ListedWorkflows {
  #listed = new Map<string, ListedWorkflow>();
  #listedAt = 0;
  readonly #workflows: ReleaseWorkflows;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(workflows: ReleaseWorkflows, log: Logger, now: () => number = Date.now) {
    this.#workflows = workflows;
    this.#log = log;
    this.#now = now;
  }

  /** Lists again. Never fails: without a list, every Release's workflow is asked, as before. */
  async refresh(): Promise<void> {
    const started = this.#now();
    try {
      this.#listed = await this.#workflows.listRunning();
      this.#listedAt = started;
      this.#log.info('listed the running release workflows', {
        workflows: this.#listed.size,
        durationMs: this.#now() - started,
      });
    } catch (err) {
      this.#listed.clear();
      this.#log.warn('cannot list the running release workflows: each is asked instead', {
        error: (err as Error).message,
      });
    }
  }

  /**
   * The generation the Release's workflow has seen, when the list says it runs here and has seen
   * `generation`; undefined when the workflow must be asked. Each entry is used once.
   */
  take(ref: ReleaseRef, generation: number): number | undefined {
    const id = releaseWorkflowId(ref);
    const listed = this.#listed.get(id);
    this.#listed.delete(id);
    if (!listed || this.#now() - this.#listedAt > listTrustedMs) return undefined;
    if (listed.taskQueue !== this.#workflows.taskQueue) return undefined;
    if (listed.generation === undefined || listed.generation < generation) return undefined;
    return listed.generation;
  }
}
