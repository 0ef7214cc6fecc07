import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningController } from '../../src/controller/index.ts';
import { cleanupFinalizer, rollbackAnnotation, rollbackReasonAnnotation } from '../../src/release/ref.ts';
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

    expect(await workflowStatus(h.client, workflowId)).toMatchObject({ status: 'RUNNING', type: 'releaseWorkflow', taskQueue: h.taskQueue });
    const [spec] = await signalsOf(h.client, workflowId);
    expect(spec).toMatchObject({ name: 'spec', args: [{ generation: 1 }] });
    // The parsed spec, with the defaults the user left out filled in.
    expect(spec?.args[0]).toMatchObject({ spec: { analysis: { window: '5m', failureWeight: 3 }, rollback: { automatic: true } } });

    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(defaultPayloadConverter.fromPayload(started?.input?.payloads?.[0] ?? {})).toEqual({
      ref: { namespace: h.namespace, name: 'web', uid: web.metadata.uid },
      recovered: {},
    });
  });

  it('an edited spec is sent once, as generation 2', async () => {
    await h.patch('web', { spec: { template: { template: { spec: { containers: [{ name: 'app', image: 'example/web:v2' }] } } } } });
    await waitFor('generation 2', async () => (await specGenerations(h.client, workflowId)).includes(2));
    expect(await specGenerations(h.client, workflowId)).toEqual([1, 2]);
  });

  it('a rollback annotation becomes a rollback signal (trigger Annotation) and is removed; a status change or a label sends nothing', async () => {
    await h.patchStatus('web', { phase: 'Ready', observedGeneration: 2, currentRevision: 2, stableRevision: 1 });
    await h.patch('web', { metadata: { labels: { team: 'shop' } } });
    // The annotation comes last: once its signal is in the history, the earlier changes were handled.
    await h.patch('web', { metadata: { annotations: { [rollbackAnnotation]: '1', [rollbackReasonAnnotation]: 'checkout errors' } } });

    await waitFor('the rollback signal', async () => (await signalNames()).includes('rollback'));
    await waitFor('the annotation to be removed', async () => (await h.get('web'))?.metadata.annotations?.[rollbackAnnotation] === undefined);
    const signals = await signalsOf(h.client, workflowId);
    expect(signals.map((s) => s.name)).toEqual(['spec', 'spec', 'rollback']);
    expect(signals[2]?.args[0]).toEqual({ toRevision: 1, reason: 'checkout errors', trigger: 'Annotation' });
    expect((await h.get('web'))?.metadata.annotations?.[rollbackReasonAnnotation]).toBeUndefined();
  });

  it('a malformed rollback annotation is not sent: it is removed and a Warning Event says why', async () => {
    await h.patch('web', { metadata: { annotations: { [rollbackAnnotation]: 'yesterday' } } });
    await waitFor('the annotation to be removed', async () => (await h.get('web'))?.metadata.annotations?.[rollbackAnnotation] === undefined);

    const events = await h.admin.events.listNamespacedEvent({ namespace: h.namespace });
    const refused = events.items.find((e) => e.reason === 'InvalidRollbackRequest' && e.regarding?.name === 'web');
    expect(refused).toMatchObject({ type: 'Warning', regarding: { kind: 'Release', uid: web.metadata.uid } });
    expect(refused?.note).toContain('"yesterday" is not a revision');
    expect(await signalNames()).toEqual(['spec', 'spec', 'rollback']);
  });

  it('a restarted controller sends nothing the workflow already has', async () => {
    await controller.stop();
    controller = await h.startController();
    await h.untilLeader(controller);
    // As above, a rollback request marks the point by which the restart's first pass is done.
    await h.patch('web', { metadata: { annotations: { [rollbackAnnotation]: 'previous' } } });
    await waitFor('the second rollback signal', async () => (await signalNames()).filter((n) => n === 'rollback').length === 2);

    expect(await signalNames()).toEqual(['spec', 'spec', 'rollback', 'rollback']);
    const [, , , previous] = await signalsOf(h.client, workflowId);
    expect(previous?.args[0]).toEqual({ reason: `requested with the ${rollbackAnnotation}=previous annotation`, trigger: 'Annotation' });
  });
});
