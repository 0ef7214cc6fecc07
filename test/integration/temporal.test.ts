import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { searchAttributes } from '../../src/workflows/search-attributes.ts';
import * as activities from '../fixtures/greeting-activities.ts';
import { stackEnv } from '../support/stack.ts';

const connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
afterAll(() => connection.close());

describe('the local Temporal server', () => {
  it('runs a workflow to completion through a worker', async () => {
    const taskQueue = `stack-test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: stackEnv.TEMPORAL_ADDRESS }),
      namespace: stackEnv.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../fixtures/greeting-workflow.ts', import.meta.url)),
      activities,
    });
    const result = await worker.runUntil(
      client.workflow.execute('greeting', { taskQueue, workflowId: taskQueue, args: ['rollguard'] }),
    );
    expect(result).toBe('hello, rollguard');
  });

  it('has the search attributes Release workflows set', async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: stackEnv.TEMPORAL_NAMESPACE,
    });
    for (const key of searchAttributes) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
  });

  it('serves the Web UI', async () => {
    const res = await fetch(stackEnv.TEMPORAL_UI_URL);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<html');
  });
});
