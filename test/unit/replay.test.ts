import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preloadModules, workflowsPath } from '../../src/server/workflow-bundle.ts';
import { historiesDir } from '../support/releases.ts';

// Histories recorded from the main scenarios (ROLLGUARD_RECORD_HISTORIES=1 npm test), and three
// inspections, recorded with `temporal workflow show -o json`: inspection-run.json after `rollguard
// inspect run`, inspection-notify.json (a scheduled run whose findings were notified) and
// inspection-failing.json (the third failed run in a row of a Schedule, which told the operator)
// after test/integration/inspections.test.ts. Replaying them against today's workflow code catches
// a change that would break workflows already running.
const files = readdirSync(historiesDir)
  .filter((file) => file.endsWith('.json'))
  .sort();

describe('recorded Release workflow histories', () => {
  it('exist for the main scenarios', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it('replay against the current workflow code without nondeterminism', { timeout: 120_000 }, async () => {
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowsPath, bundlerOptions: { preloadModules }, replayName: 'rollguard-replay' },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
