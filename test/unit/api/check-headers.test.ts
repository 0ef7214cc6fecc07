import { describe, expect, it } from 'vitest';
import { parseRelease } from '../../../src/domain/api/index.ts';
import { sampleRelease } from '../../support/crd.ts';

const token = { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } };

/** The sample Release with these headers on its HTTP check and on its Prometheus check. */
function withHeaders(http: unknown[] | undefined, prometheus?: unknown[]) {
  const release = structuredClone(sampleRelease());
  Object.assign(release.spec.healthChecks!.http![0]!, http ? { headers: http } : {});
  Object.assign(release.spec.healthChecks!.prometheus![0]!, prometheus ? { headers: prometheus } : {});
  return parseRelease(release);
}

const issues = (result: ReturnType<typeof parseRelease>) => (result.ok ? [] : result.error.issues);

describe('check headers', () => {
  it('take a token from a Secret and a tenant as plain text, on HTTP and Prometheus checks', () => {
    const tenant = { name: 'X-Scope-OrgID', value: 'shop' };
    const result = withHeaders([token], [token, tenant]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.release.spec.healthChecks.http[0]?.headers).toEqual([token]);
    expect(result.release.spec.healthChecks.prometheus[0]?.headers).toEqual([token, tenant]);
  });

  it('are optional, and absent from a check that has none', () => {
    const result = withHeaders(undefined);
    expect(result.ok && result.release.spec.healthChecks.http[0]).not.toHaveProperty('headers');
  });

  it.each<{ what: string; headers: unknown[]; field: string; message: RegExp }>([
    {
      what: 'a token written in the Release',
      headers: [{ name: 'Authorization', value: 'Bearer s3cret' }],
      field: 'spec.healthChecks.http[0].headers[0].value',
      message: /valueFrom\.secretKeyRef instead of value/,
    },
    {
      what: 'a cookie written in the Release',
      headers: [{ name: 'cookie', value: 'session=1' }],
      field: 'spec.healthChecks.http[0].headers[0].value',
      message: /valueFrom\.secretKeyRef instead of value/,
    },
    {
      what: 'an API key written in the Release',
      headers: [{ name: 'X-Api-Key', value: 'k' }],
      field: 'spec.healthChecks.http[0].headers[0].value',
      message: /carries credentials/,
    },
    {
      what: 'a proxy password written in the Release',
      headers: [{ name: 'Proxy-Authorization', value: 'Basic eA==' }],
      field: 'spec.healthChecks.http[0].headers[0].value',
      message: /carries credentials/,
    },
    {
      what: 'both value and valueFrom',
      headers: [{ ...token, value: 'x' }],
      field: 'spec.healthChecks.http[0].headers[0]',
      message: /exactly one of value or valueFrom/,
    },
    {
      what: 'neither value nor valueFrom',
      headers: [{ name: 'X-Tenant' }],
      field: 'spec.healthChecks.http[0].headers[0]',
      message: /exactly one of value or valueFrom/,
    },
    {
      what: 'a Host header',
      headers: [{ name: 'Host', value: 'internal.example' }],
      field: 'spec.healthChecks.http[0].headers[0].name',
      message: /set by the connection/,
    },
    {
      what: 'a hop-by-hop header',
      headers: [{ name: 'Transfer-Encoding', value: 'chunked' }],
      field: 'spec.healthChecks.http[0].headers[0].name',
      message: /hop-by-hop/,
    },
    {
      what: 'a header name with a space',
      headers: [{ name: 'X Tenant', value: 'shop' }],
      field: 'spec.healthChecks.http[0].headers[0].name',
      message: /HTTP header name/,
    },
    {
      what: 'a header name with a colon',
      headers: [{ name: 'X-Tenant:', value: 'shop' }],
      field: 'spec.healthChecks.http[0].headers[0].name',
      message: /HTTP header name/,
    },
    {
      what: 'a value with a line break',
      headers: [{ name: 'X-Tenant', value: 'shop\r\nX-Admin: 1' }],
      field: 'spec.healthChecks.http[0].headers[0].value',
      message: /line breaks/,
    },
    {
      what: 'a value longer than 4096 characters',
      headers: [{ name: 'X-Tenant', value: 'x'.repeat(4097) }],
      field: 'spec.healthChecks.http[0].headers[0].value',
      message: /<=4096/,
    },
    {
      what: 'a Secret name that is not one',
      headers: [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'API_Token', key: 'token' } } }],
      field: 'spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef.name',
      message: /name of a Secret/,
    },
    {
      what: 'a Secret key that is not one',
      headers: [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'to/ken' } } }],
      field: 'spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef.key',
      message: /Secret key/,
    },
    {
      what: 'a secretKeyRef without its key',
      headers: [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token' } } }],
      field: 'spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef.key',
      message: /expected string/,
    },
    {
      what: 'one header twice, in two cases',
      headers: [token, { ...token, name: 'authorization' }],
      field: 'spec.healthChecks.http[0].headers',
      message: /unique \(whatever their case\)/,
    },
    {
      what: 'more than 8 headers',
      headers: Array.from({ length: 9 }, (_, i) => ({ name: `X-H${i}`, value: 'v' })),
      field: 'spec.healthChecks.http[0].headers',
      message: /<=8/,
    },
  ])('refuse $what, naming $field', ({ headers, field, message }) => {
    expect(issues(withHeaders(headers))).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it('refuse a credential written in a Prometheus check too', () => {
    expect(issues(withHeaders(undefined, [{ name: 'Authorization', value: 'Bearer s3cret' }]))).toContainEqual({
      field: 'spec.healthChecks.prometheus[0].headers[0].value',
      message: expect.stringContaining('valueFrom.secretKeyRef'),
    });
  });

  it('leave headers that are not credentials free to be written as text', () => {
    const plain = ['X-Scope-OrgID', 'Accept', 'X-Forwarded-Proto', 'User-Agent'].map((name) => ({ name, value: 'v' }));
    expect(withHeaders(plain).ok).toBe(true);
  });
});
