import { describe, expect, it } from 'vitest';
import { releaseSpecSchema } from '../../../src/domain/api/index.ts';
import { readinessResult } from '../../../src/domain/health/readiness.ts';
import { analysisInput, prometheusAddresses } from '../../../src/domain/release/analysis-plan.ts';
import { checkSecretRefs } from '../../../src/domain/release/header-sources.ts';
import { appRelease } from '../../support/release-specs.ts';

const token = { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } };
const spec = releaseSpecSchema.parse(
  appRelease('web', {
    image: 'example/web:v1',
    http: [
      { name: 'plain', url: 'http://web/' },
      { name: 'healthz', url: 'http://web/healthz', headers: [{ name: 'X-Tenant', value: 'shop' }, token] },
    ],
    prometheus: [{ name: 'errors', address: 'http://prom/', query: 'up', max: 1, interval: '1s', headers: [token] }],
  }).spec,
);
const readiness = readinessResult({ ready: 3, desired: 3, deadlineExceeded: false, deadlineSeconds: 20, weight: 3 });

describe('check headers as the workflow hands them on', () => {
  it('carry Secret references in the Release’s own namespace, and no header on a check that has none', () => {
    const input = analysisInput(spec, { podIps: [], readiness, namespace: 'shop' });
    expect(input.http?.[0]).not.toHaveProperty('headers');
    expect(input.http?.[1]?.headers).toEqual([
      { name: 'X-Tenant', value: 'shop' },
      { name: 'Authorization', secretKeyRef: { namespace: 'shop', name: 'api-token', key: 'token' } },
    ]);
    expect(input.prometheus?.[0]?.headers).toEqual([
      { name: 'Authorization', secretKeyRef: { namespace: 'shop', name: 'api-token', key: 'token' } },
    ]);
  });

  it('go with the reachability question to a Prometheus', () => {
    expect(prometheusAddresses(spec, { namespace: 'shop' })).toEqual([
      {
        field: 'spec.healthChecks.prometheus[0].address',
        address: 'http://prom/',
        headers: [{ name: 'Authorization', secretKeyRef: { namespace: 'shop', name: 'api-token', key: 'token' } }],
      },
    ]);
  });

  it('name, for admission, every Secret key a check reads, by its field', () => {
    expect(checkSecretRefs(spec, 'shop')).toEqual([
      {
        field: 'spec.healthChecks.http[1].headers[1].valueFrom.secretKeyRef',
        ref: { namespace: 'shop', name: 'api-token', key: 'token' },
      },
      {
        field: 'spec.healthChecks.prometheus[0].headers[0].valueFrom.secretKeyRef',
        ref: { namespace: 'shop', name: 'api-token', key: 'token' },
      },
    ]);
  });
});
