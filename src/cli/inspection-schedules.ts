import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import type { InspectionRequest, InspectionScope } from '../domain/inspection/types.ts';
import type { OverlapPolicy } from './inspection-args.ts';
import { NotFoundError } from './errors.ts';

/** Every inspection Schedule's id starts so: `rollguard inspect list` shows those alone. */
export const schedulePrefix = 'rollguard-inspection-';
export const scheduleId = (name: string): string => `${schedulePrefix}${name}`;

export interface ScheduleRequest {
  name: string;
  cron: string;
  request: InspectionRequest;
  taskQueue: string;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  paused: boolean;
  note?: string | undefined;
}

const overlapOf: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};

function options(s: ScheduleRequest): ScheduleOptions {
  return {
    scheduleId: scheduleId(s.name),
    spec: { cronExpressions: [s.cron] },
    action: {
      type: 'startWorkflow',
      workflowType: 'inspectionWorkflow',
      // The Schedule appends the time of each run to this id.
      workflowId: `inspection/${s.name}`,
      taskQueue: s.taskQueue,
      // The request carries the cron as given: `inspect list` reads it back from here, which an update changes too.
      args: [{ ...s.request, cron: s.cron }],
    },
    policies: { overlap: overlapOf[s.overlap], catchupWindow: s.catchupWindowMs },
    state: { paused: s.paused, ...(s.note ? { note: s.note } : {}) },
  };
}

/** Creates the Schedule, or updates it when one of that name exists: running it again is safe. */
export async function upsertSchedule(client: Client, s: ScheduleRequest): Promise<'created' | 'updated'> {
  const wanted = options(s);
  try {
    await client.schedule.create(wanted);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const { scheduleId: _id, ...update } = wanted;
  await client.schedule.getHandle(scheduleId(s.name)).update(() => ({ ...update, state: update.state ?? {} }));
  return 'updated';
}

/** A Schedule's handle, or a NotFoundError naming what exists. */
export async function existingSchedule(client: Client, name: string) {
  const handle = client.schedule.getHandle(scheduleId(name));
  try {
    return { handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new NotFoundError(`no inspection Schedule "${name}"; see them with \`rollguard inspect list\``, {
        cause: err,
      });
    throw err;
  }
}

export interface ScheduleRow {
  name: string;
  cron: string;
  scope: InspectionScope;
  paused: boolean;
  note?: string;
  lastRun?: { at: string; workflowId: string };
  nextRun?: string;
}

/** The inspection Schedules of the Temporal namespace, each as it is now (its action's request: cron, scope). */
export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(schedulePrefix)) ids.push(s.scheduleId);
  const rows = await Promise.all(
    ids.map(async (id): Promise<ScheduleRow | undefined> => {
      const d = await client.schedule
        .getHandle(id)
        .describe()
        .catch((err: unknown) => {
          if (err instanceof ScheduleNotFoundError) return undefined; // deleted since it was listed
          throw err;
        });
      if (!d) return undefined;
      const request = (d.action.args?.[0] ?? {}) as InspectionRequest;
      const last = d.info.recentActions.at(-1);
      const next = d.info.nextActionTimes[0];
      return {
        name: id.slice(schedulePrefix.length),
        cron: request.cron ?? '?',
        scope: request.scope ?? {},
        paused: d.state.paused,
        ...(d.state.note ? { note: d.state.note } : {}),
        ...(last ? { lastRun: { at: last.takenAt.toISOString(), workflowId: last.action.workflow.workflowId } } : {}),
        ...(next && !d.state.paused ? { nextRun: next.toISOString() } : {}),
      };
    }),
  );
  return rows.filter((r): r is ScheduleRow => r !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}
