import { describe, expect, it } from 'vitest';
import { releasePhases } from '../../../src/domain/api/index.ts';
import { canTransition, IllegalTransitionError, transition, transitions } from '../../../src/domain/release/phases.ts';

describe('the phase table', () => {
  it.each([
    ['Pending', 'Progressing'],
    ['Progressing', 'Ready'],
    ['Progressing', 'Failed'],
    ['Progressing', 'RollingBack'],
    ['Progressing', 'Progressing'],
    ['Ready', 'Progressing'],
    ['Ready', 'RollingBack'],
    ['Failed', 'Progressing'],
    ['Failed', 'RollingBack'],
    ['RollingBack', 'Failed'],
    ['RollingBack', 'Ready'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(transition(from, to)).toEqual({ from, to });
  });

  it.each([
    ['Pending', 'Ready'],
    ['Pending', 'RollingBack'],
    ['Ready', 'Pending'],
    ['Failed', 'Ready'],
    ['Ready', 'Ready'],
  ] as const)('refuses %s → %s, naming what is allowed', (from, to) => {
    expect(() => transition(from, to)).toThrow(IllegalTransitionError);
    expect(() => transition(from, to)).toThrow(`allowed from ${from}: ${transitions[from].join(', ')}`);
  });

  it('has a row for every phase and nothing leads back to Pending', () => {
    expect(Object.keys(transitions).sort()).toEqual([...releasePhases].sort());
    for (const from of releasePhases) expect(canTransition(from, 'Pending')).toBe(false);
  });
});
