import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  buildWorkflowBundle,
  prebuiltBundlePath,
  prebuiltWorkflowBundle,
  workflowSourceDigest,
} from '../../src/server/workflow-bundle.ts';
import { createLogger } from '../../src/telemetry/log.ts';

describe('the workflow code bundled ahead of time (npm run build)', () => {
  it(
    'is what the worker loads while it matches the sources, and is passed over once it does not',
    { timeout: 120_000 },
    async () => {
      const lines: string[] = [];
      const log = createLogger({}, { level: 'info', write: (_level, line) => lines.push(line) });
      const built = await buildWorkflowBundle();
      expect(built.bytes).toBeGreaterThan(100_000);
      expect(await readFile(prebuiltBundlePath, 'utf8')).toContain('releaseWorkflow');
      expect(await prebuiltWorkflowBundle(log)).toEqual({ codePath: prebuiltBundlePath });

      // A bundle of other sources: as after a checkout moved on since the build.
      const digestFile = `${prebuiltBundlePath}.sha256`;
      await writeFile(digestFile, `${'0'.repeat(64)}\n`);
      try {
        expect(await prebuiltWorkflowBundle(log)).toBeUndefined();
        expect(lines.join('\n')).toContain('the prebuilt workflow bundle is of other sources; bundling at start');
      } finally {
        await writeFile(digestFile, `${await workflowSourceDigest()}\n`);
      }
    },
  );
});
