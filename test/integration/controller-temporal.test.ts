import { describe, expect, it } from 'vitest';
import { connectTemporal } from '../../src/temporal/client.ts';
import { stackEnv } from '../support/stack.ts';

describe('connecting to Temporal', () => {
  it('connects where the Temporal environment variables point', async () => {
    const env = { TEMPORAL_ADDRESS: stackEnv.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: stackEnv.TEMPORAL_NAMESPACE };
    const { connection, client, namespace } = await connectTemporal({ env });
    try {
      expect(namespace).toBe(stackEnv.TEMPORAL_NAMESPACE);
      expect(client.options.namespace).toBe(stackEnv.TEMPORAL_NAMESPACE);
      const { serverVersion } = await connection.workflowService.getSystemInfo({});
      expect(serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
  });

  it('says which address it could not reach', async () => {
    // Nothing listens on port 1: connecting fails once the connect timeout (10 s) has passed.
    await expect(connectTemporal({ env: {}, address: '127.0.0.1:1' })).rejects.toThrow(
      /cannot connect to Temporal at 127\.0\.0\.1:1 \(without TLS, namespace "default"\)/,
    );
  });
});
