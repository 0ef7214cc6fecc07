import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifyApiError } from '../../../src/activities/cluster/refusals.ts';

const apiError = (code: number, reason: string, message: string) =>
  new ApiException(
    code,
    'refused',
    JSON.stringify({ kind: 'Status', reason, message, details: { causes: [{ field: 'spec.x', message }] } }),
    {},
  );

describe('API errors an activity meets', () => {
  it.each([400, 403, 422])("%i is final: a non-retryable failure carrying the API server's words", (code) => {
    const failure = classifyApiError(
      apiError(code, 'Invalid', 'spec.template.spec.containers[0].name: Invalid value: "App_1"'),
      'apply Deployment n/web',
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toContain('Invalid value: "App_1"');
    expect((failure as ApplicationFailure).type).toBe(code === 403 ? 'Forbidden' : 'ApplyRefused');
  });

  it.each([409, 429, 500, 503])('%i is retried (returned as it is)', (code) => {
    const err = apiError(code, 'X', 'try again');
    expect(classifyApiError(err, 'apply')).toBe(err);
  });

  it('404 is final only where the caller says it means "not there"', () => {
    const err = apiError(404, 'NotFound', 'namespaces "gone" not found');
    expect(classifyApiError(err, 'apply')).toBe(err);
    expect((classifyApiError(err, 'apply', { notFoundIsFinal: true }) as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('a server-side apply of an object that does not fit its schema is final, though answered with a 500', () => {
    const err = apiError(
      500,
      '',
      'failed to create typed patch object (n/web; apps/v1, Kind=Deployment): .spec.template.spec.nodeSelectr: field not declared in schema',
    );
    expect((classifyApiError(err, 'apply') as ApplicationFailure).message).toContain(
      'nodeSelectr: field not declared in schema',
    );
    const quantity = apiError(
      500,
      '',
      'failed to convert new object (n/web; apps/v1, Kind=Deployment) to proper version: quantities must match the regular expression',
    );
    expect((classifyApiError(quantity, 'apply') as ApplicationFailure).nonRetryable).toBe(true);
    const other = apiError(500, 'InternalError', 'etcdserver: request timed out');
    expect(classifyApiError(other, 'apply')).toBe(other);
  });

  it('a network error is retried', () => {
    const err = new Error('connect ECONNREFUSED');
    expect(classifyApiError(err, 'apply')).toBe(err);
  });
});
