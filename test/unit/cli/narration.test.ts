import { describe, expect, it } from 'vitest';
import { Narrator } from '../../../src/cli/narration.ts';
import { plainStyle } from '../../../src/cli/output.ts';
import type { TransitionRecord } from '../../../src/domain/release/records.ts';
import { ago, condition, now, view, webRelease } from './views.ts';

const moved = (
  at: string,
  from: TransitionRecord['from'],
  to: TransitionRecord['to'],
  message: string,
): TransitionRecord => ({ at, from, to, reason: 'R', message });

describe('the story of a rollout, as --wait tells it', () => {
  it('tells each transition since the change once, and the pods while they roll', () => {
    const narrator = new Narrator(plainStyle, new Date(ago(100)));
    const release = webRelease();
    const old = moved(ago(200), 'Progressing', 'Ready', 'revision 1 is healthy');
    const started = moved(ago(50), 'Ready', 'Progressing', 'rolling out generation 3');
    const progress = { desired: 3, updated: 1, ready: 3, available: 3 };

    expect(
      narrator.tell({ ...view(release, { phase: 'Progressing', history: [old, started] }), progress }, now),
    ).toEqual([
      '11:59:10  Progressing rolling out generation 3',
      '12:00:00              pods [███████░░░░░░░░░░░░░] 1/3 updated, 3/3 ready',
    ]);
    expect(
      narrator.tell({ ...view(release, { phase: 'Progressing', history: [old, started] }), progress }, now),
    ).toEqual([]);
    const ready = moved(ago(10), 'Progressing', 'Ready', 'revision 3 is healthy');
    expect(narrator.tell(view(release, { phase: 'Ready', history: [old, started, ready] }), now)).toEqual([
      '11:59:50  Ready       revision 3 is healthy',
    ]);
  });

  it('without the workflow, tells phase changes with the newest condition', () => {
    const narrator = new Narrator(plainStyle);
    const failed = webRelease({
      phase: 'Failed',
      conditions: [
        condition('Ready', 'False', 'X', 'older'),
        { ...condition('RolledBack', 'True', 'AutomaticRollback', 'rolled back'), lastTransitionTime: ago(1) },
      ],
    });
    expect(narrator.tell(view(failed), now)).toEqual(['12:00:00  Failed      rolled back']);
    expect(narrator.tell(view(failed), now)).toEqual([]);
  });
});
