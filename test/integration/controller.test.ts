import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningController } from '../../src/controller/index.ts';
import {
  cleanupFinalizer,
  rollbackAnnotation,
  rollbackReasonAnnotation,
  rollbackRequestIdAnnotation,
} from '../../src/domain/release/ref.ts';
import { EventReason } from '../../src/domain/release/events.ts';
import { controllerHarness, type ControllerHarness, type StoredRelease } from '../support/controller.ts';
import { waitFor } from '../support/stack.ts';
import { signalsOf, specGenerations, workflowStatus } from '../support/temporal.ts';

let h: ControllerHarness;
let controller: RunningController;
let web: StoredRelease;
let workflowId: string;

beforeAll(async () => {
  h = await controllerHarness('controller');
  controller = await h.startController();
  await h.untilLeader(controller);
});
afterAll(() => h?.cleanup());

const signalNames = async () => (await signalsOf(h.client, workflowId)).map((s) => s.name);

describe('the controller turns each change of a Release into a message to its workflow', () => {
  it('a new Release gets the cleanup finalizer and a workflow started with its spec as generation 1', async () => {
    web = await h.create('web');
    workflowId = h.workflowId(web);
    await waitFor('the finalizer', async () => (await h.get('web'))?.metadata.finalizers?.includes(cleanupFinalizer));
    await waitFor('the spec signal', async () => (await specGenerations(h.client, workflowId)).length > 0);

    expect(await workflowStatus(h.client, workflowId)).toMatchObject({
      status: 'RUNNING',
      type: 'releaseWorkflow',
      taskQueue: h.taskQueue,
    });
    const [spec] = await signalsOf(h.client, workflowId);
    expect(spec).toMatchObject({ name: 'spec', args: [{ generation: 1 }] });
    // The parsed spec, with the defaults the user left out filled in.
    expect(spec?.args[0]).toMatchObject({
      spec: { analysis: { window: '5m', failureWeight: 3 }, rollback: { automatic: true } },
    });

    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(defaultPayloadConverter.fromPayload(started?.input?.payloads?.[0] ?? {})).toEqual({
      ref: { namespace: h.namespace, name: 'web', uid: web.metadata.uid },
      recovered: {},
    });
  });

  it('an edited spec is sent once, as generation 2', async () => {
    await h.patch('web', {
      spec: { template: { template: { spec: { containers: [{ name: 'app', image: 'example/web:v2' }] } } } },
    });
    await waitFor('generation 2', async () => (await specGenerations(h.client, workflowId)).includes(2));
    expect(await specGenerations(h.client, workflowId)).toEqual([1, 2]);
  });

  it('a rollback annotation becomes a rollback signal with its request id, and stays on the Release; a status change or a label sends nothing', async () => {
    await h.patchStatus('web', { phase: 'Ready', observedGeneration: 2, currentRevision: 2, stableRevision: 1 });
    await h.patch('web', { metadata: { labels: { team: 'shop' } } });
    // The annotation comes last: once its signal is in the history, the earlier changes were handled.
    await h.patch('web', {
      metadata: { annotations: { [rollbackAnnotation]: '1', [rollbackReasonAnnotation]: 'checkout errors' } },
    });

    await waitFor('the rollback signal', async () => (await signalNames()).includes('rollback'));
    const signals = await signalsOf(h.client, workflowId);
    expect(signals.map((s) => s.name)).toEqual(['spec', 'spec', 'rollback']);
    expect(signals[2]?.args[0]).toEqual({
      toRevision: 1,
      reason: 'checkout errors',
      trigger: 'Annotation',
      requestId: 'annotation:1',
    });

    // The workflow is rolling back, then records the request as handled: neither sends it again.
    await h.patchStatus('web', { phase: 'RollingBack' });
    await h.patchStatus('web', { phase: 'Ready', currentRevision: 1, observedRollbackRequest: 'annotation:1' });
    controller.resync();
    // (The next test's request marks the point by which these were handled: no second 'annotation:1'.)
    expect((await h.get('web'))?.metadata.annotations).toMatchObject({
      [rollbackAnnotation]: '1',
      [rollbackReasonAnnotation]: 'checkout errors',
    });
  });

  it('a malformed rollback annotation is not sent: one Warning Event says why, however often the Release is seen', async () => {
    await h.patch('web', { metadata: { annotations: { [rollbackAnnotation]: 'yesterday' } } });
    const refusals = async () =>
      (await h.admin.events.listNamespacedEvent({ namespace: h.namespace })).items.filter(
        (e) => e.reason === EventReason.InvalidRollbackRequest && e.regarding?.name === 'web',
      );
    await waitFor('the Warning Event', async () => (await refusals()).length > 0);
    controller.resync();
    await h.patch('web', { metadata: { labels: { team: 'web' } } });
    // A valid request after the resync marks the point by which both passes are done.
    await h.patch('web', { metadata: { annotations: { [rollbackAnnotation]: '2' } } });
    await waitFor(
      'the second rollback signal',
      async () => (await signalNames()).filter((n) => n === 'rollback').length === 2,
    );

    const signals = await signalsOf(h.client, workflowId);
    expect(signals.map((s) => s.name)).toEqual(['spec', 'spec', 'rollback', 'rollback']);
    expect(signals[3]?.args[0]).toMatchObject({ toRevision: 2, requestId: 'annotation:2' });
    const [refused, ...more] = await refusals();
    expect(more).toEqual([]);
    expect(refused).toMatchObject({ type: 'Warning', regarding: { kind: 'Release', uid: web.metadata.uid } });
    expect(refused?.note).toContain('"yesterday" is not a revision');
  });

  it('a restarted controller sends nothing the workflow already has, nor a request the status records as handled', async () => {
    // As the workflow would, the status records the last request handled; the annotation still asks for it.
    await h.patchStatus('web', { currentRevision: 2, observedRollbackRequest: 'annotation:2' });
    await controller.stop();
    controller = await h.startController();
    await h.untilLeader(controller);
    // As above, a new rollback request marks the point by which the restart's first pass is done.
    await h.patch('web', {
      metadata: { annotations: { [rollbackAnnotation]: 'previous', [rollbackRequestIdAnnotation]: 'incident-7' } },
    });
    await waitFor(
      'the third rollback signal',
      async () => (await signalNames()).filter((n) => n === 'rollback').length === 3,
    );

    expect(await signalNames()).toEqual(['spec', 'spec', 'rollback', 'rollback', 'rollback']);
    const previous = (await signalsOf(h.client, workflowId)).at(-1);
    expect(previous?.args[0]).toEqual({
      reason: 'checkout errors',
      trigger: 'Annotation',
      requestId: 'annotation:previous#incident-7',
    });
  });
});
