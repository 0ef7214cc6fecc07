import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { globalFlags, rootFlags } from '../../../src/cli/args.ts';
import { commands } from '../../../src/cli/commands.ts';
import { bashCompletion } from '../../../src/cli/completion/bash.ts';
import { fishCompletion } from '../../../src/cli/completion/fish.ts';
import { zshCompletion } from '../../../src/cli/completion/zsh.ts';

const source = { commands, globalFlags, rootFlags };
const dir = mkdtempSync(join(tmpdir(), 'rollguard-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const bashScript = script('rollguard.bash', bashCompletion(source));
const fishScript = script('rollguard.fish', fishCompletion(source));
const zshScript = script('_rollguard', zshCompletion(source));

function shell(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  if (result.error) throw result.error;
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

/** What bash offers for the command line `words`, the cursor on the last word, as it calls the function on Tab. */
function bashCompletes(...words: string[]): string[] {
  const body = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rollguard; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return shell('bash', ['-c', body, 'bash', bashScript, ...words])
    .split('\n')
    .filter(Boolean)
    .sort();
}

/** What fish offers for a command line (`complete -C`), without the descriptions. */
function fishCompletes(line: string): string[] {
  return shell('fish', ['--no-config', '-c', `source $argv[1]; complete -C $argv[2]`, fishScript, line])
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.split('\t')[0] as string)
    .sort();
}

/** What zsh offers on Tab at the end of each command line, from one interactive zsh that loaded the script. */
function zshCompletes(...lines: string[]): string[][] {
  const capture = fileURLToPath(new URL('../../support/zsh-completions.zsh', import.meta.url));
  const blocks = shell('zsh', ['-f', capture, zshScript, ...lines]).split(/^--$/m);
  // --filename comes twice: as --filename VALUE and as --filename=VALUE.
  return lines.map((_, i) => [...new Set((blocks[i] ?? '').split('\n').filter(Boolean))].sort());
}

describe('shell completion, generated from the command table', () => {
  it('bash completes every command, and the commands beginning with what is typed', () => {
    expect(bashCompletes('rollguard', '')).toEqual(
      expect.arrayContaining([...Object.keys(commands), 'help', '--version', '--kubeconfig', '-n']),
    );
    expect(bashCompletes('rollguard', 'st')).toEqual(['status']);
    expect(bashCompletes('kubectl-rollguard', 're')).toEqual(['resume', 'retry']);
    // Global flags and their values may come before the command.
    expect(bashCompletes('rollguard', '-n', 'shop', '--output', 'json', 'hi')).toEqual(['history']);
  });

  it("bash completes a command's own flags and the global ones, and the values of flags that take a few", () => {
    expect(bashCompletes('rollguard', 'deploy', '--f')).toEqual(['--filename', '--force-conflicts']);
    expect(bashCompletes('rollguard', 'rollback', 'web', '--t')).toEqual([
      '--temporal-address',
      '--temporal-namespace',
      '--temporal-profile',
      '--timeout',
      '--to-revision',
    ]);
    expect(bashCompletes('rollguard', 'status', '-o', '')).toEqual(['json', 'text', 'yaml']);
    expect(bashCompletes('rollguard', '--output', 'y')).toEqual(['yaml']);
    expect(bashCompletes('rollguard', 'completion', '')).toEqual(['bash', 'fish', 'zsh']);
    expect(bashCompletes('rollguard', 'help', 'se')).toEqual(['set-image']);
    expect(bashCompletes('rollguard', 'deploy', '-f', join(dir, 'rollguard.'))).toEqual([bashScript, fishScript]);
    expect(bashCompletes('rollguard', 'status', '--namespace', '')).toEqual([]);
  });

  it('bash completes each flag of each command', () => {
    for (const [name, command] of Object.entries(commands)) {
      const offered = bashCompletes('rollguard', name, '-');
      for (const flag of Object.keys({ ...command.flags, ...globalFlags })) expect(offered).toContain(`--${flag}`);
    }
  });

  it('fish completes commands, flags and their values', () => {
    expect(fishCompletes('rollguard st')).toEqual(['status']);
    expect(fishCompletes('rollguard deploy --f')).toEqual(['--filename', '--force-conflicts']);
    expect(fishCompletes('rollguard status -o ')).toEqual(['json', 'text', 'yaml']);
    expect(fishCompletes('rollguard completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(fishCompletes('kubectl-rollguard hist')).toEqual(['history']);
  });

  // An interactive zsh in a pseudo-terminal: a few seconds on a busy machine.
  it('zsh completes commands, flags and their values, for rollguard and kubectl-rollguard', { timeout: 30_000 }, () => {
    shell('zsh', ['-n', zshScript]);
    expect(
      zshCompletes(
        'rollguard st',
        'rollguard deploy --f',
        'rollguard status -o ',
        'rollguard -n shop --output json hi',
        'rollguard completion ',
        'kubectl-rollguard --ver',
      ),
    ).toEqual([
      ['status'],
      ['--filename', '--force-conflicts'],
      ['json', 'text', 'yaml'],
      ['history'],
      ['bash', 'fish', 'zsh'],
      ['--version'],
    ]);
  });
});
