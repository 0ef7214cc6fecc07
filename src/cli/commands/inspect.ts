import { WorkflowFailedError } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InspectionRequest, InspectionSummary } from '../../domain/inspection/types.ts';
import { resolveTaskQueue } from '../../temporal/task-queue.ts';
import { CliError, ExitCode, RolloutError } from '../errors.ts';
import { describeScope, renderSchedules, renderSummary } from '../format/inspection.ts';
import type { InspectOptions } from '../inspection-args.ts';
import { existingSchedule, listSchedules, scheduleId, upsertSchedule } from '../inspection-schedules.ts';
import { temporalUiUrl, workflowUrl } from '../links.ts';
import type { Session } from '../session.ts';

export type { InspectOptions } from '../inspection-args.ts';

const scheduleUrl = (namespace: string, id: string): string =>
  `${temporalUiUrl()}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(id)}`;

const requestOf = (options: InspectOptions): InspectionRequest => ({
  scope: options.scope,
  ...(Object.keys(options.settings).length > 0 ? { settings: options.settings } : {}),
  ...(options.action === 'schedule' && options.name ? { schedule: options.name } : {}),
});

async function taskQueueOf(options: InspectOptions, session: Session): Promise<string> {
  return (await resolveTaskQueue(session.kube().core, { flag: options.taskQueue })).taskQueue;
}

/** The innermost failure's words: "Activity task failed" wraps the activity's own. */
function rootMessage(err: Error): string {
  let inner: Error = err;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner.message || err.message;
}

/** `rollguard inspect run`: one inspection now; exit 0 when it found nothing, 1 when it found something. */
async function runNow(options: InspectOptions, session: Session): Promise<number> {
  const { out } = session;
  const taskQueue = await taskQueueOf(options, session);
  const { client, connection, namespace } = await session.temporal();
  const workflowId = `inspection/run-${new Date().toISOString().replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  const handle = await client.workflow.start('inspectionWorkflow', {
    workflowId,
    taskQueue,
    args: [requestOf(options)],
    // One that no worker ever takes must not wait for ever.
    workflowExecutionTimeout: '1 day',
  });
  const link = workflowUrl(session.temporalNamespace(), workflowId);
  out.note(`inspecting ${describeScope(options.scope)}: ${link}`);
  // No worker polls the queue: say so now rather than after the whole timeout.
  const { pollers } = await connection.workflowService
    .describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 /* workflow */ })
    .catch(() => ({ pollers: undefined }));
  if (pollers && pollers.length === 0)
    out.note(
      `no worker polls the task queue ${taskQueue} yet: the inspection waits for \`rollguard run\` (or name another with --task-queue)`,
    );
  let summary: InspectionSummary;
  try {
    summary = await Promise.race([
      handle.result() as Promise<InspectionSummary>,
      sleep(options.timeoutMs, undefined, { ref: false }).then(() => {
        throw new CliError(
          `no report after ${options.timeoutMs / 1000}s; the inspection goes on (${link}). Is \`rollguard run\` serving the task queue ${taskQueue}?`,
          ExitCode.Failed,
        );
      }),
    ]);
  } catch (err) {
    if (err instanceof WorkflowFailedError)
      throw new RolloutError(`the inspection failed: ${rootMessage(err)}`, { cause: err });
    throw err;
  }
  if (out.format !== 'text') out.data(summary);
  else out.line(...renderSummary(summary, out.style, link));
  return summary.clean ? 0 : 1;
}

async function schedule(options: InspectOptions, session: Session): Promise<number> {
  const name = options.name ?? 'default';
  const taskQueue = await taskQueueOf(options, session);
  const { client } = await session.temporal();
  const done = await upsertSchedule(client, {
    name,
    cron: options.cron ?? '',
    request: requestOf(options),
    taskQueue,
    overlap: options.overlap,
    catchupWindowMs: options.catchupWindowMs,
    paused: options.paused,
    note: options.note,
  });
  const { description } = await existingSchedule(client, name);
  const next = description.info.nextActionTimes[0]?.toISOString();
  const document = {
    name,
    scheduleId: scheduleId(name),
    result: done,
    cron: options.cron,
    scope: options.scope,
    paused: description.state.paused,
    overlap: options.overlap,
    catchupWindowSeconds: options.catchupWindowMs / 1000,
    ...(next ? { nextRun: next } : {}),
  };
  const { out } = session;
  if (out.format !== 'text') out.data(document);
  else
    out.line(
      `${done} inspection Schedule ${name}: "${options.cron}" (UTC), ${describeScope(options.scope)}, overlap ${options.overlap}${description.state.paused ? ', paused' : next ? `; next run ${next}` : ''}`,
      `Temporal UI: ${scheduleUrl(session.temporalNamespace(), scheduleId(name))}`,
    );
  return 0;
}

async function list(session: Session): Promise<number> {
  const { client } = await session.temporal();
  const rows = await listSchedules(client);
  const { out } = session;
  if (out.format !== 'text') out.data({ items: rows });
  else
    out.line(
      ...(rows.length === 0
        ? ['no inspection Schedules; create one with `rollguard inspect schedule --cron ...`']
        : renderSchedules(rows)),
    );
  return 0;
}

async function act(options: InspectOptions, session: Session): Promise<number> {
  const name = options.name as string;
  const { client } = await session.temporal();
  const { handle } = await existingSchedule(client, name);
  const note = options.note;
  const said = {
    trigger: async () => (await handle.trigger(), 'triggered: an inspection starts now'),
    pause: async () => (await handle.pause(note ?? 'paused with rollguard inspect pause'), 'paused'),
    unpause: async () => (await handle.unpause(note ?? 'unpaused with rollguard inspect unpause'), 'unpaused'),
    delete: async () => (await handle.delete(), 'deleted (inspections it started keep their reports)'),
  }[options.action as 'trigger' | 'pause' | 'unpause' | 'delete'];
  const what = await said();
  const { out } = session;
  if (out.format !== 'text') out.data({ name, scheduleId: scheduleId(name), action: options.action });
  else out.line(`inspection Schedule ${name} ${what}`);
  return 0;
}

/** `rollguard inspect run|schedule|list|trigger|pause|unpause|delete`. */
export async function inspect(options: InspectOptions, session: Session): Promise<number> {
  switch (options.action) {
    case 'run':
      return runNow(options, session);
    case 'schedule':
      return schedule(options, session);
    case 'list':
      return list(session);
    default:
      return act(options, session);
  }
}
