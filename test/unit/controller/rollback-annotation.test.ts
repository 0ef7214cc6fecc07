import { describe, expect, it } from 'vitest';
import { readRollbackAnnotation } from '../../../src/controller/rollback-annotation.ts';
import { rollbackAnnotation, rollbackReasonAnnotation } from '../../../src/release/ref.ts';

const read = (value: string, reason?: string) =>
  readRollbackAnnotation({ [rollbackAnnotation]: value, ...(reason !== undefined ? { [rollbackReasonAnnotation]: reason } : {}) });

describe('the rollback annotation', () => {
  it('is absent when not set', () => {
    expect(readRollbackAnnotation(undefined)).toBeUndefined();
    expect(readRollbackAnnotation({ other: '1' })).toBeUndefined();
  });

  it('asks for a revision by number, with the reason given', () => {
    expect(read('3', 'errors in checkout')).toEqual({
      valid: true,
      value: '3',
      request: { toRevision: 3, reason: 'errors in checkout', trigger: 'Annotation' },
    });
  });

  it('asks for the previous stable revision with "previous", and names itself when no reason is given', () => {
    const annotation = read(' previous ');
    expect(annotation).toMatchObject({ valid: true, request: { trigger: 'Annotation' } });
    expect(annotation?.valid && 'toRevision' in annotation.request).toBe(false);
    expect(annotation?.valid && annotation.request.reason).toBe(`requested with the ${rollbackAnnotation}=previous annotation`);
  });

  it.each(['0', '-1', '2.5', 'three', '', 'latest', '99999999999'])('refuses %j and says what to write', (value) => {
    const annotation = read(value);
    expect(annotation).toMatchObject({ valid: false, value });
    expect(annotation?.valid === false && annotation.why).toMatch(/revision number such as "3", or "previous"/);
  });

  it('keeps a long reason within what the status can record', () => {
    const annotation = read('2', 'x'.repeat(5000));
    expect(annotation?.valid && annotation.request.reason?.length).toBe(1024);
  });
});
