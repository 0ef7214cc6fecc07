import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities/index.ts';
import type { Revision } from '../../src/domain/release/records.ts';
import type { ReleaseStatus } from '../../src/domain/api/index.ts';
import type { CheckResult } from '../../src/domain/health/types.ts';
import type { ReleaseEvent } from '../../src/domain/release/events.ts';
import type { UncheckedSpecMessage } from '../../src/domain/release/records.ts';
import { readSpecMessage } from '../../src/domain/release/spec-message.ts';
import { RefusalType } from '../../src/domain/release/refusal.ts';

type Template = Parameters<Activities['snapshotRevision']>[0]['template'];

/** Every way a scripted step can end: at once, after the test releases it, or refused for good. */
export type Step<T> = { result: T } | { refused: string } | { gate: Gate<T> };

/** A step the test holds open and then lets go, so a message can arrive while it is in flight. */
export class Gate<T> {
  private open!: (value: T) => void;
  readonly reached: Promise<void>;
  private markReached!: () => void;
  readonly done: Promise<T>;

  constructor() {
    this.done = new Promise<T>((resolve) => (this.open = resolve));
    this.reached = new Promise<void>((resolve) => (this.markReached = resolve));
  }

  enter(): Promise<T> {
    this.markReached();
    return this.done;
  }

  release(value: T): void {
    this.open(value);
  }
}

/**
 * The activities of a Release workflow with the world replaced by a script: revisions in memory, the
 * rollout and the checks answering what the test says, every call recorded. Only for workflow tests
 * that check the workflow's own decisions; end-to-end tests use the real activities and cluster.
 */
export class ScriptedWorld {
  revisions: Revision[] = [];
  statuses: ReleaseStatus[] = [];
  events: ReleaseEvent[] = [];
  calls: string[] = [];
  /** What the next rollout wait ends with; complete unless set. */
  rollout: Step<{ complete: boolean; reason?: string }>[] = [];
  /** What the next analysis window ends with; every check passes unless set. */
  analysis: Step<CheckResult[]>[] = [];
  /** What the next readiness watch ends with. */
  watch: Step<CheckResult>[] = [];
  /** What the next apply ends with. */
  apply: Step<void>[] = [];
  admission: string[] = [];
  /** What the next status write waits for, when set (taken by the write that meets it). */
  statusGate: Gate<void> | undefined;

  get lastStatus(): ReleaseStatus | undefined {
    return this.statuses.at(-1);
  }

  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }

  private async run<T>(step: Step<T> | undefined, fallback: T): Promise<T> {
    if (!step) return fallback;
    if ('refused' in step)
      throw ApplicationFailure.create({ type: RefusalType.ApplyRefused, message: step.refused, nonRetryable: true });
    if ('gate' in step) return await step.gate.enter();
    return step.result;
  }

  activities(): Partial<Activities> {
    const record = (name: string) => this.calls.push(name);
    const images = (template: Template) => template.template.spec.containers.map((c) => c.image);
    const progress = { desired: 3, updated: 3, ready: 3, available: 3 };
    return {
      operatorDefaults: async () => ({}),
      // The real check: it is pure, and the workflow's handling of a spec depends on it.
      readSpec: async (message: UncheckedSpecMessage) =>
        readSpecMessage({ generation: message.generation, spec: message.unchecked }),
      observeRelease: async () => ({ exists: false }),
      listRevisions: async () => this.revisions,
      dryRunTemplate: async () => (record('dryRunTemplate'), this.admission),
      selectorConflicts: async () => [],
      unreachablePrometheus: async () => [],
      readyPodIps: async () => [],
      writeStatus: async ({ status }) => {
        record('writeStatus');
        const gate = this.statusGate;
        this.statusGate = undefined;
        if (gate) await gate.enter();
        this.statuses.push(status);
        return true;
      },
      recordEvent: async ({ event }) => void (record('recordEvent'), this.events.push(event)),
      recordTransition: async ({ status, event }) => (
        record('recordTransition'),
        this.statuses.push(status),
        this.events.push(event),
        true
      ),
      snapshotRevision: async ({ template }) => {
        record('snapshotRevision');
        const hash = JSON.stringify(template);
        const same = this.revisions.find((r) => r.hash === hash);
        if (same) return same;
        const revision = {
          revision: this.revisions.length + 1,
          hash,
          images: images(template),
          createdAt: new Date().toISOString(),
          template,
        };
        this.revisions.push(revision);
        return revision;
      },
      readRevision: async ({ revision }) => {
        const found = this.revisions.find((r) => r.revision === revision);
        if (!found)
          throw ApplicationFailure.create({
            type: RefusalType.NotFound,
            message: `revision ${revision} does not exist`,
            nonRetryable: true,
          });
        return found;
      },
      applyRevision: async () => (record('applyRevision'), await this.run(this.apply.shift(), undefined)),
      awaitRollout: async () => {
        record('awaitRollout');
        const { complete, reason } = await this.run(this.rollout.shift(), { complete: true });
        return {
          complete,
          progress: complete ? progress : { ...progress, updated: 1, ready: 0 },
          ...(reason ? { reason } : {}),
        };
      },
      watchReadiness: async ({ weight }) => {
        record('watchReadiness');
        return await this.run(this.watch.shift(), {
          name: 'readiness',
          kind: 'Readiness',
          outcome: 'Pass',
          value: 3,
          weight,
          reason: '3/3 pods Ready',
        });
      },
      runAnalysis: async (input) => {
        record('runAnalysis');
        const passing: CheckResult[] = (input.http ?? []).map((c) => ({
          name: c.name,
          kind: 'HTTP',
          outcome: 'Pass',
          weight: c.weight,
          reason: 'ok',
        }));
        const checks = await this.run(this.analysis.shift(), passing);
        return { checks: [...(input.readiness ? [input.readiness] : []), ...checks], rounds: 1, stoppedEarly: false };
      },
      pruneRevisions: async () => [],
    };
  }
}
