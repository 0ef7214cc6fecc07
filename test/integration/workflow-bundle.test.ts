import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle, prebuiltWorkflowBundle, workflowSourceDigest } from '../../src/server/workflow-bundle.ts';
import { createLogger } from '../../src/telemetry/log.ts';

// A bundle of its own, not dist/workflows.js: the package test packs that one meanwhile.
const dir = await mkdtemp(join(tmpdir(), 'rollguard-bundle-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the workflow code bundled ahead of time (npm run build)', () => {
  it(
    'is what the worker loads while it matches the sources, and is passed over once it does not',
    { timeout: 120_000 },
    async () => {
      const lines: string[] = [];
      const log = createLogger({}, { level: 'info', write: (_level, line) => lines.push(line) });
      const path = join(dir, 'workflows.js');
      const built = await buildWorkflowBundle({ path });
      expect(built.bytes).toBeGreaterThan(100_000);
      expect(await readFile(path, 'utf8')).toContain('releaseWorkflow');
      expect(await readFile(`${path}.sha256`, 'utf8')).toBe(`${await workflowSourceDigest()}  src\n`);
      expect(await prebuiltWorkflowBundle(log, path)).toEqual({ codePath: path });
      expect(lines.join('\n')).toContain('the worker loads the prebuilt workflow bundle');

      // A bundle of other sources: as after a checkout moved on since the build.
      await writeFile(`${path}.sha256`, `${'0'.repeat(64)}  src\n`);
      expect(await prebuiltWorkflowBundle(log, path)).toBeUndefined();
      expect(lines.join('\n')).toContain('the prebuilt workflow bundle is of other sources; bundling at start');
    },
  );
});
