import { describe, expect, it } from 'vitest';
import { parseRelease, type Release } from '../../../src/domain/api/index.ts';
import { planRelease, type Observation, type ReleaseMeta, type RollbackLedger } from '../../../src/controller/plan.ts';
import {
  cleanupFinalizer,
  rollbackAnnotation,
  rollbackReasonAnnotation,
  rollbackRequestIdAnnotation,
} from '../../../src/domain/release/ref.ts';
import { sampleRelease } from '../../support/crd.ts';

const ref = { namespace: 'shop', name: 'web', uid: 'uid-1' };

function release({
  generation = 1,
  annotations,
  status,
}: { generation?: number; annotations?: Record<string, string>; status?: object } = {}): Release {
  const result = parseRelease({
    ...sampleRelease(),
    metadata: { ...ref, generation, resourceVersion: '7', ...(annotations ? { annotations } : {}) },
    ...(status ? { status } : {}),
  });
  if (!result.ok) throw result.error;
  return result.release;
}

const meta = (over: Partial<ReleaseMeta> = {}): ReleaseMeta => ({
  ...ref,
  resourceVersion: '7',
  finalizers: [cleanupFinalizer],
  annotations: {},
  deleting: false,
  ...over,
});

const live = (r: Release, delivered: number, m = meta(), rollbacks: RollbackLedger = {}): Observation => ({
  state: 'live',
  meta: m,
  release: r,
  delivered,
  rollbacks,
});
const kinds = (observation: Observation) => planRelease(observation).map((work) => work.kind);

describe('the event → message table', () => {
  it('a new Release gets the finalizer first, then its workflow is started with generation 1', () => {
    const work = planRelease(live(release(), 0, meta({ finalizers: [] })));
    expect(work.map((w) => w.kind)).toEqual(['addFinalizer', 'spec']);
    expect(work[1]).toMatchObject({ kind: 'spec', message: { generation: 1 }, recovered: {} });
  });

  it('sends the spec with its defaults applied', () => {
    const [work] = planRelease(live(release(), 0));
    expect(work?.kind === 'spec' && work.message.spec.analysis).toEqual({ window: '5m', failureWeight: 3 });
  });

  it('a new generation becomes one spec message', () => {
    expect(planRelease(live(release({ generation: 2 }), 1))).toMatchObject([
      { kind: 'spec', message: { generation: 2 } },
    ]);
  });

  it('a change the workflow has already seen (status, labels) sends nothing', () => {
    expect(kinds(live(release({ generation: 2, status: { phase: 'Ready' } }), 2))).toEqual([]);
    expect(kinds(live(release({ generation: 2 }), 3))).toEqual([]);
  });

  it('a workflow started again recovers the revisions the status records', () => {
    const [work] = planRelease(live(release({ status: { currentRevision: 4, stableRevision: 3 } }), 0));
    expect(work).toMatchObject({ kind: 'spec', recovered: { currentRevision: 4, stableRevision: 3 } });
  });

  it('the rollback annotation becomes a rollback message, with its request id, after any newer spec', () => {
    const annotations = { [rollbackAnnotation]: '3', [rollbackReasonAnnotation]: 'checkout errors' };
    expect(planRelease(live(release({ generation: 2, annotations }), 1))).toMatchObject([
      { kind: 'spec', message: { generation: 2 } },
      {
        kind: 'rollback',
        request: { toRevision: 3, reason: 'checkout errors', trigger: 'Annotation', requestId: 'annotation:3' },
      },
    ]);
  });

  describe('a rollback annotation left in place (a GitOps tool applies it again)', () => {
    const annotations = { [rollbackAnnotation]: 'previous' };

    it('is not sent again once the status records its request as handled', () => {
      expect(
        kinds(live(release({ annotations, status: { observedRollbackRequest: 'annotation:previous' } }), 1)),
      ).toEqual([]);
    });

    it('is not sent again while the workflow has not yet recorded it', () => {
      expect(kinds(live(release({ annotations }), 1, meta(), { sent: 'annotation:previous' }))).toEqual([]);
    });

    it('is sent by a controller that has not sent it and finds no record of it in the status', () => {
      expect(kinds(live(release({ annotations, status: { observedRollbackRequest: 'annotation:2' } }), 1))).toEqual([
        'rollback',
      ]);
    });

    it('a new target, or a new request id, is a new request', () => {
      const handled = { observedRollbackRequest: 'annotation:previous' };
      expect(
        planRelease(live(release({ annotations: { [rollbackAnnotation]: '1' }, status: handled }), 1)),
      ).toMatchObject([{ kind: 'rollback', request: { toRevision: 1, requestId: 'annotation:1' } }]);
      const again = { ...annotations, [rollbackRequestIdAnnotation]: 'incident-42' };
      expect(planRelease(live(release({ annotations: again, status: handled }), 1))).toMatchObject([
        { kind: 'rollback', request: { requestId: 'annotation:previous#incident-42' } },
      ]);
    });
  });

  describe('promote, abort and retry annotations (the value names the request)', () => {
    it('each becomes the Signal of its verb, with who asked and its id', () => {
      const annotations = {
        'rollguard.dev/promote': '1',
        'rollguard.dev/promote-full': 'go',
        'rollguard.dev/abort': 'p99 latency doubled',
        'rollguard.dev/retry': '2',
      };
      expect(planRelease(live(release({ annotations }), 1))).toEqual([
        {
          kind: 'strategyRequest',
          channel: 'promote',
          signal: 'promote',
          request: { by: 'the rollguard.dev/promote annotation', requestId: 'annotation:promote:1' },
        },
        {
          kind: 'strategyRequest',
          channel: 'promoteFull',
          signal: 'promote',
          request: {
            by: 'the rollguard.dev/promote-full annotation',
            requestId: 'annotation:promoteFull:go',
            full: true,
          },
        },
        {
          kind: 'strategyRequest',
          channel: 'abort',
          signal: 'abort',
          request: {
            by: 'the rollguard.dev/abort annotation',
            requestId: 'annotation:abort:p99 latency doubled',
            reason: 'p99 latency doubled',
          },
        },
        {
          kind: 'strategyRequest',
          channel: 'retry',
          signal: 'retry',
          request: { by: 'the rollguard.dev/retry annotation', requestId: 'annotation:retry:2' },
        },
      ]);
    });

    it('is not sent again once the status records it, nor while this controller has sent it', () => {
      const annotations = { 'rollguard.dev/promote': '1', 'rollguard.dev/abort': 'slow' };
      const status = { observedStrategyRequests: { promote: 'annotation:promote:1' } };
      expect(planRelease(live(release({ annotations, status }), 1))).toMatchObject([{ channel: 'abort' }]);
      const observation = {
        ...live(release({ annotations, status }), 1),
        strategyRequests: { abort: 'annotation:abort:slow' },
      } as Observation;
      expect(kinds(observation)).toEqual([]);
      // A new value is a new request.
      expect(planRelease(live(release({ annotations: { 'rollguard.dev/promote': '2' }, status }), 1))).toMatchObject([
        { channel: 'promote', request: { requestId: 'annotation:promote:2' } },
      ]);
    });

    it('an empty value asks for nothing', () => {
      expect(kinds(live(release({ annotations: { 'rollguard.dev/promote': ' ' } }), 1))).toEqual([]);
    });
  });

  it('a malformed rollback annotation is refused, not sent, and refused only once', () => {
    const annotations = { [rollbackAnnotation]: 'three' };
    const [work] = planRelease(live(release({ annotations }), 1));
    expect(work).toMatchObject({ kind: 'refuseRollback', key: 'annotation:three' });
    expect(work?.kind === 'refuseRollback' && work.why).toContain('"three" is not a revision');
    expect(kinds(live(release({ annotations }), 1, meta(), { refused: 'annotation:three' }))).toEqual([]);
    expect(
      kinds(
        live(release({ annotations: { [rollbackAnnotation]: 'four' } }), 1, meta(), { refused: 'annotation:three' }),
      ),
    ).toEqual(['refuseRollback']);
  });

  it('a Release being deleted is only told to delete, and only while the finalizer holds it', () => {
    expect(planRelease({ state: 'deleting', meta: meta({ deleting: true }) })).toEqual([
      { kind: 'delete', removeFinalizer: true },
    ]);
    expect(planRelease({ state: 'deleting', meta: meta({ deleting: true, finalizers: [] }) })).toEqual([]);
  });

  it('a Release gone from the cluster has its workflow told, with no finalizer to remove', () => {
    expect(planRelease({ state: 'gone', ref })).toEqual([{ kind: 'delete', removeFinalizer: false }]);
  });

  it('an invalid Release: its finalizer, then its workflow is told what is wrong, once per generation', () => {
    const invalid = {
      state: 'invalid' as const,
      meta: meta({ finalizers: [] }),
      generation: 2,
      problems: ['spec.template.replicas: Too big'],
      delivered: 1,
    };
    expect(planRelease(invalid)).toEqual([
      { kind: 'addFinalizer' },
      { kind: 'invalidSpec', message: { generation: 2, problems: ['spec.template.replicas: Too big'] } },
    ]);
    expect(planRelease({ ...invalid, meta: meta(), delivered: 2 })).toEqual([]);
  });

  it('a status someone else wrote is restored by the workflow', () => {
    const foreignStatus = { writtenBy: 'kubectl-patch', key: 'kubectl-patch@1' };
    const work = planRelease({ state: 'live', meta: meta(), release: release(), delivered: 1, foreignStatus });
    expect(work).toEqual([{ kind: 'restoreStatus', writtenBy: 'kubectl-patch', key: 'kubectl-patch@1' }]);
  });
});
