import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowNotFoundError } from '@temporalio/common';
import { releaseWorkflowId, type ReleaseRef } from '../domain/release/ref.ts';
import {
  deleteSignal,
  invalidSpecSignal,
  restoreStatusSignal,
  rollbackSignal,
  promoteSignal,
  abortSignal,
  retrySignal,
  specSignal,
} from '../workflows/messages.ts';
import type {
  InvalidSpecMessage,
  ReleaseMemo,
  ReleaseWorkflowInput,
  RollbackRequest,
  SpecMessage,
  StrategyRequest,
} from '../domain/release/records.ts';
import type { StrategySignalKind } from './strategy-annotations.ts';

/** The workflow type the worker registers (src/workflows/index.ts); named, not imported, to keep workflow code out of the controller. */
export const releaseWorkflowType = 'releaseWorkflow';

export type WorkflowState =
  { state: 'Running'; runId: string; taskQueue: string; generation?: number } | { state: 'Closed' | 'Missing' };

/** A running workflow as Temporal's visibility lists it: its task queue and the generation of its memo. */
export interface ListedWorkflow {
  taskQueue: string;
  generation?: number;
}

/** Every call the controller makes to Temporal: one message per kind, each bounded by a deadline. */
export interface ReleaseWorkflows {
  /** The task queue new workflows are started on, the one this rollguard's workers poll. */
  readonly taskQueue: string;
  describe(ref: ReleaseRef): Promise<WorkflowState>;
  /**
   * Every running Release workflow on this task queue, by workflow id, as Temporal's visibility lists
   * them: a page per 1,000 workflows where describe costs a call each. Visibility follows the
   * workflows a little behind (about a second here), so what it lists is a hint, not the truth
   * describe gives.
   */
  listRunning(): Promise<Map<string, ListedWorkflow>>;
  /**
   * The newest spec generation signalled to this run, from its history: what a workflow has been sent
   * but has not yet recorded in its memo (its worker is down or behind).
   */
  specInHistory(ref: ReleaseRef, runId: string): Promise<number>;
  /** Signal-with-start: starts the workflow when it is missing or closed, so a spec is never lost. */
  sendSpec(ref: ReleaseRef, message: SpecMessage, recovered: ReleaseWorkflowInput['recovered']): Promise<void>;
  /** Signal-with-start: a generation the controller cannot read, for the workflow to record as InvalidSpec. */
  sendInvalidSpec(ref: ReleaseRef, message: InvalidSpecMessage): Promise<void>;
  sendRollback(ref: ReleaseRef, request: RollbackRequest): Promise<void>;
  /** promote, abort or retry from an annotation: the Signal of that name (nobody waits for its answer). */
  sendStrategyRequest(ref: ReleaseRef, kind: StrategySignalKind, request: StrategyRequest): Promise<void>;
  /** Someone else wrote the Release's status: the workflow writes its own again. */
  sendRestoreStatus(ref: ReleaseRef, reason: string): Promise<void>;
  sendDelete(ref: ReleaseRef): Promise<void>;
}

export function releaseWorkflows(
  client: Client,
  {
    taskQueue,
    rpcTimeoutMs = 10_000,
    listTimeoutMs = 60_000,
  }: { taskQueue: string; rpcTimeoutMs?: number; listTimeoutMs?: number },
): ReleaseWorkflows {
  // Without a deadline a call to an unreachable Temporal would hold the Release's pending work forever.
  const bounded = <T>(what: string, ref: ReleaseRef, call: () => Promise<T>): Promise<T> =>
    client.withDeadline(Date.now() + rpcTimeoutMs, call).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw err;
      throw new Error(`cannot ${what} workflow ${releaseWorkflowId(ref)}: ${(err as Error).message}`, { cause: err });
    });
  const handle = (ref: ReleaseRef) => client.workflow.getHandle(releaseWorkflowId(ref));

  async function describe(ref: ReleaseRef): Promise<WorkflowState> {
    try {
      const description = await bounded('describe', ref, () => handle(ref).describe());
      if (description.status.name !== 'RUNNING') return { state: 'Closed' };
      const memo = description.memo as Partial<ReleaseMemo> | undefined;
      const generation = typeof memo?.generation === 'number' ? memo.generation : undefined;
      return {
        state: 'Running',
        runId: description.runId,
        taskQueue: description.taskQueue,
        ...(generation !== undefined ? { generation } : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'Missing' };
      throw err;
    }
  }

  return {
    taskQueue,
    describe,
    async listRunning() {
      const listed = new Map<string, ListedWorkflow>();
      // This rollguard's queue only: other clusters' workflows may share the Temporal namespace.
      const query = `WorkflowType = '${releaseWorkflowType}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
      await client.withDeadline(Date.now() + listTimeoutMs, async () => {
        for await (const info of client.workflow.list({ query, pageSize: 1000 })) {
          const generation = (info.memo as Partial<ReleaseMemo> | undefined)?.generation;
          listed.set(info.workflowId, {
            taskQueue: info.taskQueue,
            ...(typeof generation === 'number' ? { generation } : {}),
          });
        }
      });
      return listed;
    },
    async specInHistory(ref, runId) {
      const history = await bounded('read the history of', ref, () =>
        client.workflow.getHandle(releaseWorkflowId(ref), runId).fetchHistory(),
      );
      let newest = 0;
      for (const event of history.events ?? []) {
        const signal = event.workflowExecutionSignaledEventAttributes;
        const generational = signal?.signalName === specSignal.name || signal?.signalName === invalidSpecSignal.name;
        const payload = generational ? signal?.input?.payloads?.[0] : undefined;
        if (!payload) continue;
        const { generation } = defaultPayloadConverter.fromPayload<Partial<SpecMessage>>(payload);
        if (typeof generation === 'number') newest = Math.max(newest, generation);
      }
      return newest;
    },
    async sendSpec(ref, message, recovered) {
      const input: ReleaseWorkflowInput = { ref, ...(recovered ? { recovered } : {}) };
      // No memo is set here: the memo is the workflow's own record of what it accepted.
      await bounded('signal-with-start', ref, () =>
        client.workflow.signalWithStart(releaseWorkflowType, {
          workflowId: releaseWorkflowId(ref),
          taskQueue,
          args: [input],
          signal: specSignal,
          signalArgs: [message],
        }),
      );
    },
    async sendInvalidSpec(ref, message) {
      await bounded('signal-with-start', ref, () =>
        client.workflow.signalWithStart(releaseWorkflowType, {
          workflowId: releaseWorkflowId(ref),
          taskQueue,
          args: [{ ref } satisfies ReleaseWorkflowInput],
          signal: invalidSpecSignal,
          signalArgs: [message],
        }),
      );
    },
    async sendRestoreStatus(ref, reason) {
      await bounded('signal restore-status to', ref, () => handle(ref).signal(restoreStatusSignal, { reason }));
    },
    async sendRollback(ref, request) {
      await bounded('signal rollback to', ref, () => handle(ref).signal(rollbackSignal, request));
    },
    async sendStrategyRequest(ref, kind, request) {
      const signal = { promote: promoteSignal, abort: abortSignal, retry: retrySignal }[kind];
      await bounded(`signal ${kind} to`, ref, () => handle(ref).signal(signal, request));
    },
    async sendDelete(ref) {
      await bounded('signal delete to', ref, () => handle(ref).signal(deleteSignal));
    },
  };
}
