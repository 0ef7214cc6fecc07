import { ApiException } from '@kubernetes/client-node';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/cli/classify.ts';
import { ExitCode, RolloutError, UsageError } from '../../../src/cli/errors.ts';
import { main } from '../../../src/cli/main.ts';
import { TemporalConnectError } from '../../../src/temporal/client.ts';

const status = (code: number, body: object) => new ApiException(code, 'failed', JSON.stringify(body), {});
const fetchFailed = () =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
  });

describe('every failure becomes one line and an exit code', () => {
  it.each([
    [
      'a CLI error keeps its own code',
      new RolloutError('release shop/web was rolled back: rb-1'),
      ExitCode.Failed,
      'release shop/web was rolled back: rb-1',
    ],
    [
      'Temporal that cannot be reached',
      new TemporalConnectError(
        'cannot connect to Temporal at 127.0.0.1:1 (without TLS): Failed\nmore',
        '127.0.0.1:1',
        undefined,
      ),
      ExitCode.Unreachable,
      'cannot connect to Temporal at 127.0.0.1:1 (without TLS): Failed',
    ],
    [
      'an API server that refuses the credentials',
      status(403, { message: 'releases is forbidden' }),
      ExitCode.Unreachable,
      'Kubernetes at https://k:6443 refused the request (403): releases is forbidden; check the credentials of your kubeconfig context',
    ],
    [
      'an API server that does not answer',
      fetchFailed(),
      ExitCode.Unreachable,
      'cannot reach Kubernetes at https://k:6443: connect ECONNREFUSED 127.0.0.1:6443; check KUBECONFIG, --kubeconfig and --context',
    ],
    [
      'a workflow that does not exist',
      new WorkflowNotFoundError('not found', 'release/a/b/c', undefined),
      ExitCode.NotFound,
      'the workflow was not found in Temporal at 127.0.0.1:7233: is `rollguard run` running against this Temporal namespace?',
    ],
    [
      'a path the API server answers in plain text',
      new ApiException(404, 'failed', '404 page not found\n', {}),
      ExitCode.NotFound,
      '404 page not found',
    ],
    [
      'a conflict',
      status(409, { reason: 'Conflict', message: 'the object has been modified' }),
      ExitCode.Failed,
      'Kubernetes refused the request: 409 Conflict: the object has been modified',
    ],
    ['anything else, by its first line', new Error('boom\n    at somewhere'), ExitCode.Failed, 'boom'],
  ])('%s', (_what, err, code, message) => {
    const failure = classify(err, { kubernetes: 'https://k:6443', temporal: '127.0.0.1:7233' });
    expect([failure.exitCode, failure.message]).toEqual([code, message]);
  });

  it('a Release the API server refuses lists each field it names', () => {
    const failure = classify(
      status(422, {
        message: 'invalid',
        details: { causes: [{ field: 'spec.template.selector', message: 'selector cannot change' }] },
      }),
    );
    expect(failure).toBeInstanceOf(UsageError);
    expect([failure.message, failure.details]).toEqual([
      'the API server refused the Release:',
      ['spec.template.selector: selector cannot change'],
    ]);
  });
});

describe('the CLI entry point', () => {
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };

  it('prints help for --help and for `help COMMAND`, and exits 0', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: rollguard COMMAND [ARGS] [FLAGS]');
    const deploy = await run('help', 'deploy');
    expect(deploy.stdout).toContain('Usage: rollguard deploy -f FILE [--wait] [--timeout DURATION]');
    expect((await run('rollback', '-h')).stdout).toMatch(/--to-revision N\s+the revision to return to/);
  });

  it('without a command prints the help on stderr and exits 2', async () => {
    const bare = await run();
    expect([bare.code, bare.stdout]).toEqual([2, '']);
    expect(bare.stderr).toContain('Commands:');
  });

  it.each([
    [
      ['frobnicate'],
      2,
      'rollguard: unknown command "frobnicate"; the commands are: deploy, set-image, status, history, rollback, promote, abort, retry, pause, resume, run, install, version, completion\n',
    ],
    [['status', '-o', 'xml'], 2, 'rollguard: -o xml is not an output format; use one of: text, json, yaml\n'],
    [
      ['set-image', 'web'],
      2,
      'rollguard: usage: rollguard set-image RELEASE CONTAINER=IMAGE... (e.g. web app=example/web:v2)\n',
    ],
    [
      ['run', '--controller-only', '--worker-only'],
      2,
      'rollguard: --controller-only and --worker-only exclude each other; give at most one\n',
    ],
    [
      ['status', '--kubeconfig', '/nonexistent/kubeconfig'],
      4,
      'rollguard: cannot read the kubeconfig /nonexistent/kubeconfig: no such file; point KUBECONFIG or --kubeconfig at a kubeconfig file\n',
    ],
  ])('rollguard %j exits %i with one line', async (argv, code, stderr) => {
    expect(await run(...argv)).toEqual({ code, stdout: '', stderr });
  });
});
