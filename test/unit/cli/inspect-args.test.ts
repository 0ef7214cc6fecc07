import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../src/cli/invocation.ts';
import { UsageError } from '../../../src/cli/errors.ts';

const options = (...argv: string[]) => {
  const invocation = parseInvocation(['inspect', ...argv], {});
  if ('help' in invocation) throw new Error('help');
  return invocation.options;
};

describe('rollguard inspect', () => {
  it('run: the namespace and selector are the scope; settings are only those given', () => {
    expect(
      options('run', '-n', 'shop', '-l', 'tier=web', '--concurrency', '5', '--retries', '0', '--backoff', '200ms'),
    ).toMatchObject({
      action: 'run',
      scope: { namespace: 'shop', selector: 'tier=web' },
      settings: { concurrency: 5, retries: 0, backoffMs: 200 },
      timeoutMs: 30 * 60_000,
    });
    expect(options('run')).toMatchObject({ scope: {}, settings: {} });
  });

  it('schedule: a cron, an overlap policy and a catch-up window, under a name (default "default")', () => {
    expect(
      options('schedule', 'nightly', '--cron', '0 2 * * *', '--overlap', 'buffer-one', '--catchup-window', '1h'),
    ).toMatchObject({
      action: 'schedule',
      name: 'nightly',
      cron: '0 2 * * *',
      overlap: 'buffer-one',
      catchupWindowMs: 3_600_000,
      paused: false,
    });
    expect(options('schedule', '--cron', '@daily')).toMatchObject({
      name: 'default',
      overlap: 'skip',
      catchupWindowMs: 600_000,
    });
  });

  it.each([
    [['run', '--concurrency', '0'], 'invalid inspection settings:'],
    [['run', '--retries', 'two'], '--retries two is not a whole number'],
    [['schedule', 'nightly'], 'missing --cron'],
    [['schedule', '--cron', 'every night'], 'is not a cron expression'],
    [['schedule', '--cron', '* * * *'], 'is not a cron expression'],
    [['schedule', '--cron', '* * * * *', '--overlap', 'never'], '--overlap never is not an overlap policy'],
    [['pause'], "missing the Schedule's name"],
    [['pause', 'Nightly!'], 'is not a Schedule name'],
    [['run', 'nightly'], 'takes no name'],
    [['list', '--cron', '* * * * *'], '--cron does not apply to rollguard inspect list'],
    [['frob'], 'unknown action "frob"'],
    [[], 'missing the action'],
  ])('refuses %j, saying what is wrong', (argv, message) => {
    expect(() => options(...argv)).toThrow(UsageError);
    expect(() => options(...argv)).toThrow(message);
  });

  it('names the bad setting and its range', () => {
    try {
      options('run', '--concurrency', '0');
    } catch (err) {
      expect((err as UsageError).details).toEqual(['concurrency: 0 is not a whole number from 1 to 500']);
    }
  });
});
