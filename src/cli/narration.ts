import type { TransitionRecord } from '../domain/release/records.ts';
import { phaseText } from './format/status.ts';
import { progressBar } from './format/text.ts';
import type { Style } from './output.ts';
import { factsOf, type ReleaseView } from './release-view.ts';

const key = (t: TransitionRecord): string => `${t.at} ${t.to}`;
const clock = (time: string | Date): string => new Date(time).toISOString().slice(11, 19);
const pad = 12;

/**
 * Turns successive views of a Release into the lines of its story: each phase the workflow entered,
 * with its reason, and the pods as they roll. Only what changed since the last view is told.
 */
export class Narrator {
  private readonly seen = new Set<string>();
  private lastPhase: string | undefined;
  private lastPods: string | undefined;
  private readonly style: Style;
  private readonly since: string;

  /** Transitions before `since` (the change being followed) are not told. */
  constructor(style: Style, since: Date = new Date(0)) {
    this.style = style;
    this.since = since.toISOString();
  }

  tell(view: ReleaseView, now = new Date()): string[] {
    const lines: string[] = [];
    const facts = factsOf(view);
    const fresh = (view.snapshot?.history ?? []).filter((t) => t.at >= this.since && !this.seen.has(key(t)));
    for (const t of fresh) {
      this.seen.add(key(t));
      lines.push(`${clock(t.at)}  ${this.phase(t.to)}${t.message}`);
    }
    // Without the workflow's transitions, phase changes and the newest condition tell the story.
    if (!view.snapshot && facts.phase !== this.lastPhase) {
      const newest = [...facts.conditions].sort((a, b) => b.lastTransitionTime.localeCompare(a.lastTransitionTime))[0];
      lines.push(`${clock(now)}  ${this.phase(facts.phase)}${newest?.message ?? ''}`);
    }
    this.lastPhase = facts.phase;
    const moving = facts.phase === 'Progressing' || facts.phase === 'RollingBack';
    const pods = view.progress ? progressBar(view.progress) : undefined;
    if (moving && pods && pods !== this.lastPods) lines.push(`${clock(now)}  ${' '.repeat(pad)}pods ${pods}`);
    this.lastPods = pods;
    return lines;
  }

  private phase(phase: TransitionRecord['to'] | undefined): string {
    const name = phase ?? 'Pending';
    return phaseText(name, this.style) + ' '.repeat(Math.max(1, pad - name.length));
  }
}
