import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rollbackEntries, renderHistory, revisionEntries } from '../../../src/cli/format/history.ts';
import { releaseRow, renderReleaseTable } from '../../../src/cli/format/release-table.ts';
import { renderStatus, statusDocument } from '../../../src/cli/format/status.ts';
import { age, progressBar, table } from '../../../src/cli/format/text.ts';
import { plainStyle } from '../../../src/cli/output.ts';
import { ago, condition, now, view, webRelease } from './views.ts';

describe('text for people', () => {
  it('ages read like kubectl', () => {
    expect([
      age(ago(45), now),
      age(ago(600), now),
      age(ago(3 * 3600), now),
      age(ago(5 * 86_400), now),
      age(undefined, now),
    ]).toEqual(['45s', '10m', '3h', '5d', '<unknown>']);
  });

  it('a progress bar fills with the updated pods and names both counts', () => {
    expect(progressBar({ desired: 3, updated: 1, ready: 3, available: 3 }, 9)).toBe(
      '[███░░░░░░] 1/3 updated, 3/3 ready',
    );
    expect(progressBar({ desired: 0, updated: 0, ready: 0, available: 0 }, 4)).toBe('[████] 0/0 updated, 0/0 ready');
  });

  it('tables pad every column but the last', () => {
    expect(
      table(
        ['NAME', 'PHASE'],
        [
          ['web', 'Ready'],
          ['checkout', 'Failed'],
        ],
      ),
    ).toEqual(['NAME       PHASE', 'web        Ready', 'checkout   Failed']);
  });
});

describe('rollguard status', () => {
  // Links point at TEMPORAL_UI_URL; `npm test` sets it to the stack's UI, so pin it here.
  beforeAll(() => void vi.stubEnv('TEMPORAL_UI_URL', 'http://localhost:8233'));
  afterAll(() => void vi.unstubAllEnvs());

  const release = webRelease({
    phase: 'Failed',
    observedGeneration: 3,
    currentRevision: 2,
    stableRevision: 2,
    workflowId: 'release/shop/web/u-1',
    lastVerdict: {
      time: ago(40),
      revision: 3,
      healthy: false,
      failingWeight: 3,
      threshold: 3,
      checks: [
        {
          name: 'readiness',
          kind: 'Readiness',
          outcome: 'Fail',
          value: 1,
          weight: 3,
          reason: 'not rolled out within 20s',
        },
      ],
    },
    lastRollback: {
      id: 'rb-1a2b',
      fromRevision: 3,
      toRevision: 2,
      reason: 'revision 3 is unhealthy',
      trigger: 'Automatic',
      time: ago(35),
    },
    conditions: [
      condition(
        'RolledBack',
        'True',
        'AutomaticRollback',
        'rollback rb-1a2b (Automatic): revision 3 failed and revision 2 runs again',
      ),
    ],
  });

  it('shows phase, revisions, pods, each check, the last rollback, conditions and the workflow link', () => {
    const lines = renderStatus(
      { ...view(release), progress: { desired: 3, updated: 3, ready: 3, available: 3 } },
      plainStyle,
      now,
    );
    expect(lines).toEqual([
      'Release     shop/web',
      'Phase       Failed',
      'Generation  3 (observed 3)',
      'Revisions   current 2, stable 2',
      'Spec        app=example/web:v3',
      'Pods        [████████████████████] 3/3 updated, 3/3 ready',
      'Health      unhealthy at revision 3, 40s ago (failing weight 3, threshold 3)',
      '  CHECK       KIND        RESULT   VALUE   WEIGHT   REASON',
      '  readiness   Readiness   Fail     1       3        not rolled out within 20s',
      'Rollback    rb-1a2b: revision 3 → 2 (Automatic), 35s ago: revision 3 is unhealthy',
      'Conditions',
      '  TYPE         STATUS   REASON              AGE   MESSAGE',
      '  RolledBack   True     AutomaticRollback   30s   rollback rb-1a2b (Automatic): revision 3 failed and revision 2 runs again',
      'Workflow    http://localhost:8233/namespaces/default/workflows/release%2Fshop%2Fweb%2Fu-1',
      "Note        showing the Release's status: the workflow did not answer within 3s: is a rollguard worker running?",
    ]);
  });

  it('gives scripts the same facts, saying whether the workflow answered', () => {
    expect(statusDocument(view(release))).toMatchObject({
      namespace: 'shop',
      name: 'web',
      phase: 'Failed',
      currentRevision: 2,
      stableRevision: 2,
      images: ['app=example/web:v3'],
      lastRollback: { id: 'rb-1a2b' },
      workflow: {
        id: 'release/shop/web/u-1',
        url: 'http://localhost:8233/namespaces/default/workflows/release%2Fshop%2Fweb%2Fu-1',
        answered: false,
      },
    });
  });

  it('lists Releases like kubectl get, with the namespace column for -A', () => {
    const rows = [releaseRow(release), releaseRow({ metadata: { name: 'api', namespace: 'shop' } })];
    expect(renderReleaseTable(rows, { allNamespaces: true, style: plainStyle, now })).toEqual([
      'NAMESPACE   NAME   PHASE     CURRENT   STABLE   AGE         IMAGES',
      'shop        web    Failed    2         2        10m         example/web:v3',
      'shop        api    Pending   -         -        <unknown>',
    ]);
  });
});

describe('rollguard history', () => {
  const transitions = [
    {
      at: ago(60),
      from: 'Ready' as const,
      to: 'Progressing' as const,
      reason: 'RolloutStarted',
      message: 'rolling out generation 3',
    },
    {
      at: ago(35),
      from: 'Progressing' as const,
      to: 'RollingBack' as const,
      reason: 'AutomaticRollback',
      message: 'rollback rb-1a2b: revision 3 → 2 (Automatic): revision 3 is unhealthy',
    },
  ];

  it('reads each rollback out of the workflow transitions, and adds the last one when they no longer hold it', () => {
    const last = {
      id: 'rb-9',
      fromRevision: 2,
      toRevision: 1,
      reason: 'asked',
      trigger: 'Update' as const,
      time: ago(5),
    };
    expect(rollbackEntries(transitions, last)).toEqual([
      {
        id: 'rb-1a2b',
        fromRevision: 3,
        toRevision: 2,
        trigger: 'Automatic',
        time: ago(35),
        reason: 'revision 3 is unhealthy',
      },
      { id: 'rb-9', fromRevision: 2, toRevision: 1, trigger: 'Update', time: ago(5), reason: 'asked' },
    ]);
  });

  it('shows revisions with images, age and outcome, marking the current and stable ones', () => {
    const revisions = revisionEntries(
      [
        { revision: 2, images: ['example/web:v2'], createdAt: ago(300), outcome: 'Stable' },
        { revision: 3, images: ['example/web:v3'], createdAt: ago(60), outcome: 'Failed' },
      ],
      2,
      2,
    );
    const lines = renderHistory(
      {
        namespace: 'shop',
        name: 'web',
        source: 'workflow',
        revisions,
        rollbacks: rollbackEntries(transitions, undefined),
      },
      plainStyle,
      now,
    );
    expect(lines).toEqual([
      'Release shop/web',
      '',
      'REVISION   IMAGES           CREATED   OUTCOME',
      '2          example/web:v2   5m ago    Stable    current, stable',
      '3          example/web:v3   60s ago   Failed',
      '',
      'Rollbacks',
      '  ID        REVISIONS   TRIGGER     WHEN      REASON',
      '  rb-1a2b   3 → 2       Automatic   35s ago   revision 3 is unhealthy',
    ]);
  });
});

describe('colours', () => {
  it('are applied after padding, so the columns stay aligned on a terminal', () => {
    // <...> stands for escape codes: the padding after it must be the plain text's.
    const marked = { ...plainStyle, good: (t: string) => `<${t}>`, bad: (t: string) => `<${t}>` };
    const rows = table(
      ['CHECK', 'RESULT', 'VALUE'],
      [
        ['readiness', 'Pass', '3'],
        ['error-rate', 'Fail', '0.2'],
      ],
      (cell, _row, column) => (column === 1 ? marked.good(cell.trimEnd()) + cell.slice(cell.trimEnd().length) : cell),
    );
    expect(rows).toEqual(['CHECK        RESULT   VALUE', 'readiness    <Pass>     3', 'error-rate   <Fail>     0.2']);
    const table2 = renderReleaseTable(
      [releaseRow({ metadata: { name: 'web', namespace: 'shop' }, status: { phase: 'Failed' } })],
      { allNamespaces: false, style: marked, now },
    );
    expect(table2[1]).toBe('web    <Failed>   -         -        <unknown>');
  });
});
