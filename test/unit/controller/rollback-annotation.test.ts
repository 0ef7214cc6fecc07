import { describe, expect, it } from 'vitest';
import { readRollbackAnnotation } from '../../../src/controller/rollback-annotation.ts';
import {
  rollbackAnnotation,
  rollbackReasonAnnotation,
  rollbackRequestIdAnnotation,
} from '../../../src/domain/release/ref.ts';

const read = (value: string, reason?: string, id?: string) =>
  readRollbackAnnotation({
    [rollbackAnnotation]: value,
    ...(reason !== undefined ? { [rollbackReasonAnnotation]: reason } : {}),
    ...(id !== undefined ? { [rollbackRequestIdAnnotation]: id } : {}),
  });

describe('the rollback annotation', () => {
  it('is absent when not set', () => {
    expect(readRollbackAnnotation(undefined)).toBeUndefined();
    expect(readRollbackAnnotation({ other: '1' })).toBeUndefined();
  });

  it('asks for a revision by number, with the reason given', () => {
    expect(read('3', 'errors in checkout')).toEqual({
      valid: true,
      key: 'annotation:3',
      request: { toRevision: 3, reason: 'errors in checkout', trigger: 'Annotation', requestId: 'annotation:3' },
    });
  });

  it('asks for the previous stable revision with "previous", and names itself when no reason is given', () => {
    const annotation = read(' previous ');
    expect(annotation).toMatchObject({ valid: true, request: { trigger: 'Annotation' } });
    expect(annotation?.valid && 'toRevision' in annotation.request).toBe(false);
    expect(annotation?.valid && annotation.request.reason).toBe(
      `requested with the ${rollbackAnnotation}=previous annotation`,
    );
  });

  it.each(['0', '-1', '2.5', 'three', '', 'latest', '99999999999'])('refuses %j and says what to write', (value) => {
    const annotation = read(value);
    expect(annotation).toMatchObject({ valid: false, key: `annotation:${value.trim()}` });
    expect(annotation?.valid === false && annotation.why).toMatch(/revision number such as "3", or "previous"/);
  });

  it('keeps a long reason within what the status can record', () => {
    const annotation = read('2', 'x'.repeat(5000));
    expect(annotation?.valid && annotation.request.reason?.length).toBe(1024);
  });

  it('is named by its target and its request id: the same annotations are the same request', () => {
    expect(read('previous', 'again')).toMatchObject({ request: { requestId: 'annotation:previous' } });
    expect(read('previous', undefined, ' INC-7 ')).toMatchObject({
      request: { requestId: 'annotation:previous#INC-7' },
    });
    expect(read('2', undefined, '')).toMatchObject({ request: { requestId: 'annotation:2' } });
  });

  it('refuses a request id too long for the status to record', () => {
    const annotation = read('2', undefined, 'x'.repeat(300));
    expect(annotation).toMatchObject({ valid: false });
    expect(annotation?.valid === false && annotation.why).toContain(
      `${rollbackRequestIdAnnotation} is 300 characters long`,
    );
  });
});
