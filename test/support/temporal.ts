import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowNotFoundError } from '@temporalio/common';
import { stackEnv } from '../../dev/stack/stack.ts';
import { connectTemporal, type TemporalConnection } from '../../src/temporal/client.ts';

/** A client of the local stack's Temporal server, the way rollguard itself connects. */
export const temporalOfStack = (): Promise<TemporalConnection> =>
  connectTemporal({ address: stackEnv.TEMPORAL_ADDRESS, namespace: stackEnv.TEMPORAL_NAMESPACE });

export interface SignalRecord {
  name: string;
  /** The signal's arguments, decoded. */
  args: unknown[];
}

/** The signals a workflow run received, in order, as its history in the Temporal UI shows them. */
export async function signalsOf(client: Client, workflowId: string, runId?: string): Promise<SignalRecord[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (!signal?.signalName) return [];
    const args = (signal.input?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));
    return [{ name: signal.signalName, args }];
  });
}

/** The spec generations a workflow run was sent, in order. */
export async function specGenerations(client: Client, workflowId: string, runId?: string): Promise<number[]> {
  return (await signalsOf(client, workflowId, runId))
    .filter((s) => s.name === 'spec')
    .map((s) => (s.args[0] as { generation: number }).generation);
}

/** Ends a workflow a test started (no worker runs in these tests, so it would wait forever). */
export async function terminateQuietly(client: Client, workflowId: string): Promise<void> {
  try {
    await client.workflow.getHandle(workflowId).terminate('test finished');
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

export async function workflowStatus(
  client: Client,
  workflowId: string,
): Promise<{ status: string; runId: string; type: string; taskQueue: string } | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return { status: d.status.name, runId: d.runId, type: d.type, taskQueue: d.taskQueue };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
