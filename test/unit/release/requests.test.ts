import { describe, expect, it } from 'vitest';
import { readRollbackRequest, readSpecEnvelope } from '../../../src/domain/release/requests.ts';
import { readSpecMessage } from '../../../src/domain/release/spec-message.ts';

describe('rollback requests from any client', () => {
  it.each([
    [undefined, {}],
    [{}, {}],
    [
      { toRevision: 3, reason: 'slow' },
      { toRevision: 3, reason: 'slow' },
    ],
    [{ trigger: 'Annotation' }, { trigger: 'Annotation' }],
  ])('accepts %j', (raw, expected) => {
    expect(readRollbackRequest(raw)).toEqual(expected);
  });

  it.each([
    ['three', 'a rollback request is an object'],
    [{ toRevision: '3' }, 'toRevision must be a positive whole number, not "3"'],
    [{ toRevision: 0 }, 'toRevision must be a positive whole number'],
    [{ toRevision: 1.5 }, 'toRevision must be a positive whole number'],
    [{ reason: 7 }, 'reason must be text'],
    [{ trigger: 'Automatic' }, 'trigger must be one of Update, Signal, Annotation'],
  ])('refuses %j with a reason', (raw, reason) => {
    expect(readRollbackRequest(raw)).toEqual({ invalid: expect.stringContaining(reason) });
  });
});

describe('spec messages', () => {
  it('refuses a message without a generation or with a bad spec', () => {
    expect(readSpecMessage(undefined)).toEqual({ invalid: expect.stringContaining('generation') });
    expect(readSpecMessage({ generation: 2, spec: { template: {} } })).toEqual({
      invalid: expect.stringContaining('spec is invalid'),
    });
  });
});

describe('spec message envelopes, as the workflow reads them before the spec is checked', () => {
  it('takes a whole-number generation and an object spec, leaving the spec unchecked', () => {
    expect(readSpecEnvelope({ generation: 3, spec: { template: {} } })).toEqual({
      generation: 3,
      unchecked: { template: {} },
    });
  });

  it.each([
    [undefined, 'generation'],
    [{ generation: 0, spec: {} }, 'generation'],
    [{ generation: 1.5, spec: {} }, 'generation'],
    [{ generation: 2 }, 'spec must be an object'],
    [{ generation: 2, spec: 'v2' }, 'spec must be an object'],
    [{ generation: 2, spec: [] }, 'spec must be an object'],
  ])('refuses %j with a reason', (raw, reason) => {
    expect(readSpecEnvelope(raw)).toEqual({ invalid: expect.stringContaining(reason) });
  });
});
