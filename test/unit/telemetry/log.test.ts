import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../../src/telemetry/log.ts';
import { withLogContext } from '../../../src/telemetry/log-context.ts';
import { prettyLine } from '../../../src/telemetry/pretty.ts';
import { releaseLogFields } from '../../../src/telemetry/release-log-fields.ts';

function capture(options: LoggerOptions = {}) {
  const lines: { level: string; entry: Record<string, unknown> }[] = [];
  const log = createLogger(
    { component: 'test' },
    { ...options, write: (level, line) => lines.push({ level, entry: JSON.parse(line) as Record<string, unknown> }) },
  );
  return { log, lines };
}

describe('the log', () => {
  it('writes one JSON object per line with its level, time, fields and message', () => {
    const { log, lines } = capture();
    log.info('release phase changed', { from: 'Pending', to: 'Progressing' });
    expect(lines).toEqual([
      {
        level: 'info',
        entry: {
          level: 'info',
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
          component: 'test',
          from: 'Pending',
          to: 'Progressing',
          msg: 'release phase changed',
        },
      },
    ]);
  });

  it('writes nothing below its level', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.debug('quiet');
    log.info('quiet');
    log.warn('loud');
    log.error('louder');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  });

  it('keeps an error’s stack and its cause', () => {
    const { log, lines } = capture();
    log.error('the worker failed', { error: new Error('poll failed', { cause: new TypeError('socket closed') }) });
    const error = lines[0]?.entry.error as Record<string, unknown>;
    expect(error).toMatchObject({ type: 'Error', message: 'poll failed', cause: { type: 'TypeError' } });
    expect(error.stack).toContain('log.test.ts');
  });

  it('never writes a token, an Authorization header or the credentials of a URL', () => {
    const { log, lines } = capture();
    log.warn('probe of https://admin:hunter2@shop.example/healthz failed: Bearer abc.def', {
      headers: { Authorization: 'Bearer abc.def', accept: 'text/plain' },
      token: 's3cret',
      checkHeaders: [{ name: 'X-Api-Key', value: 'k-123' }],
      url: 'postgres://temporal:pw@db:5432/temporal',
    });
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2', 'abc.def', 's3cret', 'k-123', ':pw@']) expect(text).not.toContain(secret);
    expect(lines[0]?.entry).toMatchObject({
      headers: { Authorization: '[redacted]', accept: 'text/plain' },
      url: 'postgres://[redacted]@db:5432/temporal',
      msg: 'probe of https://[redacted]@shop.example/healthz failed: Bearer [redacted]',
    });
  });

  it('gives a child’s fields to each line, the newest value of a field winning', () => {
    const { log, lines } = capture();
    log.child({ component: 'controller', identity: 'a' }).info('acquired', { identity: 'b' });
    expect(lines[0]?.entry).toMatchObject({ component: 'controller', identity: 'b' });
    expect(Object.keys(lines[0]?.entry ?? {}).filter((k) => k === 'identity')).toHaveLength(1);
  });

  it('adds the fields of the work it is written in (an activity’s Release, revision, workflow, rollback)', () => {
    const { log, lines } = capture();
    withLogContext({ release: 'shop/web', revision: 3 }, () => {
      log.info('applied', { attempt: 2 });
      log.info('written');
    });
    log.info('outside');
    expect(lines[0]?.entry).toMatchObject({ release: 'shop/web', revision: 3, attempt: 2 });
    expect(lines[1]?.entry).toMatchObject({ release: 'shop/web', revision: 3 });
    expect(lines[1]?.entry).not.toHaveProperty('attempt'); // one line's fields stay on that line
    expect(lines[2]?.entry).not.toHaveProperty('release');
  });

  it('reads on a terminal as one line, the stack below it', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 'warn',
        time: '2026-11-26T10:00:05.000Z',
        release: 'shop/web',
        error: { message: 'x', stack: 'Error: x\n    at f' },
        msg: 'watch stopped',
      }),
      { colour: false },
    );
    expect(line).toBe('10:00:05 WARN  watch stopped  release=shop/web error.message=x\n    Error: x\n        at f');
  });
});

describe('the Release fields of a log line', () => {
  it('come from the workflow id and from what an activity was given', () => {
    expect(
      releaseLogFields({
        workflowId: 'release/shop/web/0b7c',
        input: {
          ref: { namespace: 'shop', name: 'web', uid: '0b7c' },
          status: { phase: 'RollingBack', currentRevision: 4, lastRollback: { id: 'rb-1' } },
        },
      }),
    ).toEqual({ workflowId: 'release/shop/web/0b7c', release: 'shop/web', revision: 4, rollbackId: 'rb-1' });
    expect(releaseLogFields({ input: { ref: { namespace: 'a', name: 'b' }, revision: { revision: 2 } } })).toEqual({
      release: 'a/b',
      revision: 2,
    });
    expect(releaseLogFields({ input: { namespace: 'a', name: 'b', uid: 'u' } })).toEqual({ release: 'a/b' });
  });

  it('are none for work about no Release', () => {
    expect(releaseLogFields({ workflowId: 'inspection-1', input: 'text' })).toEqual({ workflowId: 'inspection-1' });
    expect(releaseLogFields({})).toEqual({});
  });

  it('name no rollback outside one', () => {
    const status = { phase: 'Ready', currentRevision: 2, lastRollback: { id: 'rb-old' } };
    expect(releaseLogFields({ input: { ref: { namespace: 'a', name: 'b' }, status } })).not.toHaveProperty(
      'rollbackId',
    );
  });
});
