import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { releaseName, releaseNamespace, releasePhase } from './search-attributes.ts';
import { EventAction, EventMessage, EventReason } from '../domain/release/events.ts';
import { ReleaseState } from '../domain/release/state.ts';
import {
  applyCarriedSpec,
  fewerSteps,
  refuseRollback,
  refuseRollout,
  refuseSpec,
  rollBack,
  rollOut,
  type Rollout,
} from './rollout.ts';
import { local, recordEvent, refusalOf, useLocalSteps, writeStatus } from './proxies.ts';
import { readRollbackRequest, readSpecEnvelope } from '../domain/release/requests.ts';
import { recover } from './recover.ts';
import type * as SpecMessageChecker from '../domain/release/spec-message.ts';
import {
  deleteSignal,
  invalidSpecSignal,
  pauseSignal,
  restoreStatusSignal,
  resumeSignal,
  rollbackSignal,
  rollbackUpdate,
  specSignal,
  statusQuery,
  promoteUpdate,
  abortUpdate,
  retryUpdate,
  promoteSignal,
  abortSignal,
  retrySignal,
} from './messages.ts';
import { outcomeOf, settle, StrategyInbox, type StrategyLetter, takeCanaryOff } from './canary.ts';
import { readStrategyRequest } from '../domain/release/requests.ts';
import { decide, type StrategyProgress } from '../domain/release/strategy-machine.ts';
import { strategyPlan } from '../domain/release/strategy-plan.ts';
import type {
  InvalidSpecMessage,
  ReleaseMemo,
  ReleaseWorkflowInput,
  RollbackOutcome,
  RollbackRequest,
  SpecMessage,
  UncheckedSpecMessage,
} from '../domain/release/records.ts';
import { setPaused } from './pause.ts';
import { takesWithoutRollout, takeWithoutRollout } from './scale.ts';

/**
 * The history length at which an idle Release continues as new. A workflow the worker does not hold
 * in its cache is replayed from its whole history for its next task, at about 0.45 ms of CPU per
 * event (docs/benchmarks.md, "Thirteenth round"), and a worker with a small cache replays at every
 * step of a bulk update. Temporal suggests continuing only at 4,096 events by default, about 100
 * rollouts, whose replay takes about 1.8 s; this keeps a replay near a tenth of a second.
 */
export const historyBound = 300;

interface QueuedRollback {
  request: RollbackRequest;
  outcome?: RollbackOutcome | { refused: string };
}

/**
 * One Release, for as long as it exists: it waits for messages and runs one piece of work at a
 * time, a rollout of the newest spec or a rollback. A newer spec or a rollback request cancels the
 * work in flight. The steps themselves live in ./rollout.ts; the state and its decisions in
 * src/domain/release/state.ts.
 */
export async function releaseWorkflow(input: ReleaseWorkflowInput): Promise<void> {
  useLocalSteps();
  const state = input.carried
    ? new ReleaseState(input.carried)
    : ReleaseState.initial(input.ref, workflowInfo().workflowId);
  // Patched in: a spec a Signal carries is checked against the schema by a local activity, not in the
  // handler, so that workflow code loads no schema library (1.4 MiB per workflow the worker holds,
  // docs/benchmarks.md). Runs that began before check it in the handler, as they did.
  const checksSpecsOutside = patched('specs-checked-outside');
  // Patched in: runs that began before continue as new only when Temporal suggests it.
  const boundsHistory = patched('bounded-history');
  const historyLong = (): boolean =>
    workflowInfo().continueAsNewSuggested || (boundsHistory && workflowInfo().historyLength >= historyBound);
  let pendingSpec: SpecMessage | UncheckedSpecMessage | undefined = input.pendingSpec;
  let pendingInvalid: InvalidSpecMessage | undefined;
  let specToRollOut = false;
  let deleted = false;
  const rollbacks: QueuedRollback[] = [];
  let inFlight: CancellationScope | undefined;

  const newestGeneration = (): number =>
    Math.max(state.data.generation, pendingSpec?.generation ?? 0, pendingInvalid?.generation ?? 0);

  setHandler(statusQuery, () => state.snapshot());
  setHandler(specSignal, (raw) => {
    const message = checksSpecsOutside ? readSpecEnvelope(raw) : readSpecMessageInHandler(raw);
    if ('invalid' in message) return void log.warn('spec message ignored', { reason: message.invalid });
    if (message.generation <= newestGeneration()) return; // already seen: a redelivery or an older event
    pendingSpec = message;
    inFlight?.cancel();
  });
  setHandler(invalidSpecSignal, (raw) => {
    const { generation, problems } = (raw ?? {}) as Partial<InvalidSpecMessage>;
    if (!Number.isInteger(generation) || !Array.isArray(problems))
      return void log.warn('invalid-spec message ignored: it needs a generation and problems');
    if ((generation as number) <= newestGeneration()) return;
    pendingInvalid = {
      generation: generation as number,
      problems: problems.map((p) => String(p).slice(0, 1024)).slice(0, 20),
    };
    pendingSpec = undefined;
    inFlight?.cancel();
  });
  setHandler(deleteSignal, () => {
    deleted = true;
    inFlight?.cancel();
  });
  // Awaited, so continue-as-new (which waits for every handler) never drops a status write.
  setHandler(pauseSignal, () => setPaused(state, true));
  setHandler(resumeSignal, () => setPaused(state, false));
  setHandler(restoreStatusSignal, async (raw) => {
    if (state.data.phase === 'Pending' && state.data.generation === 0) return; // nothing of ours to restore yet
    await writeStatus(state);
    const why = typeof raw?.reason === 'string' ? raw.reason.slice(0, 512) : undefined;
    await recordEvent(state, {
      type: 'Warning',
      reason: EventReason.StatusOverwritten,
      message: EventMessage.statusOverwritten(why),
      action: EventAction.Status,
    });
  });

  /** A request whose id was handled, or is queued, is a redelivery: acted on once. */
  const seen = (request: RollbackRequest): boolean =>
    request.requestId !== undefined &&
    (request.requestId === state.data.observedRollbackRequest ||
      rollbacks.some((r) => r.request.requestId === request.requestId));

  /**
   * A rollback that names no revision, while a canary or blue-green of a new revision is in flight
   * beside the stable one, takes the new revision off: the stable revision, still running, is where
   * it goes back to (before, it went to the stable revision before that one, or was refused).
   */
  const inFlightRevision = (): number | undefined => {
    const { strategy, currentRevision } = state.data;
    const going = strategy && (strategy.state === 'Progressing' || strategy.state === 'Held');
    return going && currentRevision !== undefined && strategy.revision !== currentRevision
      ? currentRevision
      : undefined;
  };
  const aimed = (request: RollbackRequest): RollbackRequest => {
    if (request.toRevision !== undefined) return request;
    const stable = inFlightRevision();
    return stable !== undefined && patched('rollback-takes-rollout-off') ? { ...request, toRevision: stable } : request;
  };

  setHandler(rollbackSignal, (raw) => {
    const request = readRollbackRequest(raw);
    if ('invalid' in request) {
      rollbacks.push({ request: {}, outcome: { refused: request.invalid } });
      return;
    }
    if (seen(request)) return void log.info('rollback request already handled', { requestId: request.requestId });
    rollbacks.push({ request: aimed({ ...request, trigger: request.trigger ?? 'Signal' }) });
    inFlight?.cancel();
  });
  setHandler(
    rollbackUpdate,
    async (raw) => {
      const request = readRollbackRequest(raw) as RollbackRequest; // the validator refused anything else
      const queued: QueuedRollback = { request: aimed({ ...request, trigger: request.trigger ?? 'Update' }) };
      rollbacks.push(queued);
      inFlight?.cancel();
      await condition(() => queued.outcome !== undefined);
      const outcome = queued.outcome as RollbackOutcome | { refused: string };
      // An ApplicationFailure fails the Update, not the workflow task (which would be retried for ever).
      // Its type is the reason of the Event that says the same.
      if ('refused' in outcome)
        throw ApplicationFailure.create({
          type: EventReason.RollbackRefused,
          message: outcome.refused,
          nonRetryable: true,
        });
      return outcome;
    },
    {
      // Refused here, a bad request never enters the history.
      validator: (raw) => {
        const request = readRollbackRequest(raw);
        if ('invalid' in request)
          throw ApplicationFailure.create({
            type: EventReason.InvalidRollbackRequest,
            message: request.invalid,
            nonRetryable: true,
          });
        if (seen(request)) {
          throw ApplicationFailure.create({
            type: EventReason.RollbackRefused,
            message: `rollback request ${request.requestId} was already handled`,
            nonRetryable: true,
          });
        }
        const target = state.rollbackTarget(request.toRevision ?? inFlightRevision());
        if ('refused' in target)
          throw ApplicationFailure.create({
            type: EventReason.RollbackRefused,
            message: target.refused,
            nonRetryable: true,
          });
      },
    },
  );

  // promote, abort and retry of a canary: validated against where the rollout stands, so a request
  // with nothing to act on is refused before it enters history; the rollout in flight applies them.
  const inbox = new StrategyInbox();
  let retried: StrategyProgress | undefined;
  const planNow = () => (state.data.spec ? strategyPlan(state.data.spec) : undefined);
  for (const [kind, update, signal] of [
    ['promote', promoteUpdate, promoteSignal],
    ['abort', abortUpdate, abortSignal],
    ['retry', retryUpdate, retrySignal],
  ] as const) {
    const letterOf = (raw: unknown): StrategyLetter | { invalid: string } => readStrategyRequest(kind, raw);
    setHandler(signal, (raw) => {
      const letter = letterOf(raw);
      if ('invalid' in letter) return void log.warn(`${kind} request ignored`, { reason: letter.invalid });
      // A request with an id already handled, or queued, is a redelivery (an annotation read again).
      if (letter.requestId !== undefined && inbox.seen(state, letter)) return;
      inbox.letters.push(letter);
    });
    setHandler(
      update,
      async (raw) => {
        const letter = letterOf(raw) as StrategyLetter; // the validator refused anything else
        inbox.letters.push(letter);
        await condition(() => letter.answer !== undefined);
        const answer = letter.answer!;
        if (!answer.ok)
          throw ApplicationFailure.create({
            type: 'StrategyRequestRefused',
            message: answer.refused,
            nonRetryable: true,
          });
        return outcomeOf(planNow()!, answer.progress);
      },
      {
        validator: (raw) => {
          const letter = letterOf(raw);
          if ('invalid' in letter)
            throw ApplicationFailure.create({
              type: 'InvalidStrategyRequest',
              message: letter.invalid,
              nonRetryable: true,
            });
          const decision = decide(planNow(), state.data.strategy, letter.command, new Date());
          if (!decision.ok)
            throw ApplicationFailure.create({
              type: 'StrategyRequestRefused',
              message: decision.refused,
              nonRetryable: true,
            });
        },
      },
    );
  }

  upsertSearchAttributes([
    { key: releaseName, value: input.ref.name },
    { key: releaseNamespace, value: input.ref.namespace },
    { key: releasePhase, value: state.data.phase },
  ]);
  if (!input.carried) await recover(state, input);

  /** Runs one piece of work so that a newer message can cancel it; true when it ran to the end. */
  async function interruptible(work: () => Promise<void>): Promise<boolean> {
    try {
      await CancellationScope.cancellable(async () => {
        inFlight = CancellationScope.current();
        await work();
      });
      return true;
    } catch (err) {
      if (isCancellation(err)) return false;
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      await CancellationScope.nonCancellable(() => refuseRollout(state, refusal, undefined));
      return true;
    } finally {
      inFlight = undefined;
    }
  }

  for (;;) {
    await condition(
      () =>
        deleted ||
        rollbacks.length > 0 ||
        pendingSpec !== undefined ||
        pendingInvalid !== undefined ||
        (specToRollOut && !state.paused) ||
        (!inbox.reading && inbox.unanswered() !== undefined) ||
        historyLong(),
    );
    if (deleted) break;

    // A request with no canary in flight to take it: a retry of an aborted one starts it again.
    const letter = inbox.reading ? undefined : inbox.unanswered();
    if (letter) {
      const decision = decide(planNow(), state.data.strategy, letter.command, new Date());
      await settle(state, inbox, letter, decision);
      if (decision.ok && letter.command.kind === 'retry') {
        state.data.strategy = decision.progress;
        retried = decision.progress;
        specToRollOut = true;
      }
      continue;
    }

    if (pendingInvalid) {
      const message = pendingInvalid;
      pendingInvalid = undefined;
      state.data.generation = message.generation;
      specToRollOut = false;
      await refuseSpec(state, message.problems);
      continue;
    }
    if (pendingSpec) {
      const message = pendingSpec;
      pendingSpec = undefined;
      // A signal that arrived with the start is handled before recovery: it may be a generation done already.
      if (message.generation <= state.data.generation) continue;
      // Patched in: the spec's check and the worker's defaults are read at once (one step, not two).
      const [checked, defaults] = patched(fewerSteps)
        ? await Promise.all(['unchecked' in message ? local.readSpec(message) : message, local.operatorDefaults()])
        : ['unchecked' in message ? await local.readSpec(message) : message, undefined];
      if ('invalid' in checked) {
        // Not a spec rollguard can roll out: as one the controller found invalid, the generation is
        // refused and the revision running keeps running.
        state.data.generation = message.generation;
        specToRollOut = false;
        await refuseSpec(state, [checked.invalid]);
        continue;
      }
      upsertMemo({ generation: message.generation } satisfies ReleaseMemo);
      // Patched in: a generation that changes only the replica count is applied without a rollout.
      if (takesWithoutRollout(state, checked, specToRollOut) && patched('scale-without-rollout')) {
        await takeWithoutRollout(state, checked);
        continue;
      }
      specToRollOut = await applyCarriedSpec(state, checked, defaults);
      continue;
    }
    const rollback = rollbacks.shift();
    if (rollback?.request.requestId !== undefined) state.data.observedRollbackRequest = rollback.request.requestId;
    if (rollback?.outcome) {
      await refuseRollback(state, (rollback.outcome as { refused: string }).refused);
      if (rollback.request.requestId !== undefined) await writeStatus(state);
      continue;
    }
    if (rollback) {
      let outcome: QueuedRollback['outcome'];
      await interruptible(async () => {
        outcome = await rollBack(state, rollback.request);
      });
      rollback.outcome = outcome ?? { refused: 'the rollback was interrupted by a newer request' };
      if ('refused' in rollback.outcome && rollback.request.requestId !== undefined) await writeStatus(state);
      continue;
    }
    if (specToRollOut && !state.paused) {
      specToRollOut = false;
      const rollout: Rollout = { revision: undefined, inbox, ...(retried ? { retried } : {}) };
      retried = undefined;
      const finished = await interruptible(() => rollOut(state, rollout));
      if (!finished) await CancellationScope.nonCancellable(() => supersede(state, rollout));
      continue;
    }
    if (historyLong()) {
      // A rollback Update waits on this loop: serve it first rather than wait for it to finish.
      await condition(() => allHandlersFinished() || rollbacks.length > 0 || pendingSpec !== undefined || deleted);
      if (!allHandlersFinished()) continue;
      return await continueAsNew<typeof releaseWorkflow>({
        ref: input.ref,
        carried: state.data,
        ...(pendingSpec ? { pendingSpec } : {}),
      });
    }
  }
  log.info('release deleted: workflow ends', { release: `${input.ref.namespace}/${input.ref.name}` });
}

async function supersede(state: ReleaseState, rollout: Rollout): Promise<void> {
  // Only a revision still in flight: one that already became stable (the rollout was cancelled while
  // pruning old revisions) keeps its outcome.
  const revision = state.data.revisions.find((r) => r.revision === rollout.revision);
  if (revision?.outcome === 'InProgress') state.markRevision(revision.revision, 'Superseded');
  // A canary in flight is taken off: stable keeps (or gets back) all traffic before anything else runs.
  const progress = state.data.strategy;
  if (rollout.canary && progress && (progress.state === 'Progressing' || progress.state === 'Held')) {
    state.data.strategy = { ...progress, state: 'Aborted', message: 'superseded by a newer request' };
    await takeCanaryOff(state, rollout.canary);
  }
  log.info('rollout superseded', { revision: rollout.revision });
}

/**
 * How runs that began before the spec was checked outside workflow code check it: in the Signal's
 * handler, with the schema. Loaded only when such a run calls it, so that no other workflow loads
 * the schema library (webpack bundles the module and runs it on this first require).
 */
function readSpecMessageInHandler(raw: unknown): SpecMessage | { invalid: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, on purpose (above)
  const checker = require('../domain/release/spec-message.ts') as typeof SpecMessageChecker;
  return checker.readSpecMessage(raw);
}
