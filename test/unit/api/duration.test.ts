import { describe, expect, it } from 'vitest';
import { durationPattern, parseDuration } from '../../../src/domain/api/index.ts';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
  ])('reads %s as %i milliseconds', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '1.5s', '5 m', '1d', '-3s', 'm'])('refuses %j, saying how to write a duration', (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });

  it('accepts every duration the schema accepts, and the schema refuses zero', () => {
    for (const text of ['1ms', '10s', '90m', '24h']) {
      expect(durationPattern.test(text)).toBe(true);
      expect(parseDuration(text)).toBeGreaterThan(0);
    }
    expect(durationPattern.test('0s')).toBe(false);
  });
});
