import { describe, expect, it } from 'vitest';
import { durationFlag, findCommand, listFlag, parseCommandArgs, portFlag, positionals } from '../../../src/cli/args.ts';
import { commands } from '../../../src/cli/commands.ts';
import { UsageError } from '../../../src/cli/errors.ts';

describe('the command line', () => {
  it('finds the command after global flags, values included', () => {
    expect(findCommand(['-n', 'shop', '--kubeconfig', 'k.yaml', 'status', 'web', '-w'])).toEqual({
      command: 'status',
      rest: ['-n', 'shop', '--kubeconfig', 'k.yaml', 'web', '-w'],
    });
    expect(findCommand(['--namespace=shop', 'history', 'web'])).toEqual({
      command: 'history',
      rest: ['--namespace=shop', 'web'],
    });
    expect(findCommand(['--help'])).toEqual({ command: undefined, rest: ['--help'] });
  });

  it("parses a command's own flags and the global ones, in any order", () => {
    const args = parseCommandArgs(
      ['web', '--to-revision', '2', '-n', 'shop', '-o', 'json'],
      commands.rollback!.flags,
      'rollback',
    );
    expect(args.positionals).toEqual(['web']);
    expect(args.values).toMatchObject({ 'to-revision': '2', namespace: 'shop', output: 'json' });
  });

  it('refuses an unknown flag, naming it and the help to read', () => {
    expect(() => parseCommandArgs(['--colour'], commands.status!.flags, 'status')).toThrow(
      new UsageError("Unknown option '--colour'; see `rollguard status --help`"),
    );
  });

  it('refuses a flag of another command', () => {
    expect(() => parseCommandArgs(['web', '--wait'], commands.history!.flags, 'history')).toThrow(
      /Unknown option '--wait'/,
    );
  });

  it('names missing and unexpected positionals', () => {
    const parse = (...args: string[]) => positionals(parseCommandArgs(args, {}, 'history'), ['RELEASE'], 'history');
    expect(() => parse()).toThrow('missing RELEASE; see `rollguard history --help`');
    expect(() => parse('web', 'api')).toThrow('unexpected argument "api"; see `rollguard history --help`');
    expect(parse('web')).toEqual(['web']);
  });

  it('reads durations, ports and repeated lists', () => {
    expect(durationFlag({ timeout: '90s' }, 'timeout', '10m')).toBe(90_000);
    expect(durationFlag({}, 'timeout', '10m')).toBe(600_000);
    expect(() => durationFlag({ timeout: 'soon' }, 'timeout', '10m')).toThrow('--timeout soon is not a duration');
    expect(portFlag({ 'metrics-port': '0' }, 'metrics-port', 9464)).toBe(0);
    expect(() => portFlag({ 'metrics-port': '70000' }, 'metrics-port', 9464)).toThrow('is not a port number');
    expect(listFlag({ 'watch-namespace': ['a,b', 'c'] }, 'watch-namespace')).toEqual(['a', 'b', 'c']);
  });
});
