import { describe, expect, it } from 'vitest';
import { parseRelease, releaseSpecSchema, type Release, type ReleaseInput } from '../../../src/domain/api/index.ts';
import { sampleRelease } from '../../support/crd.ts';

function parsed(input: unknown): Release {
  const result = parseRelease(input);
  if (!result.ok) throw result.error;
  return result.release;
}

/** Edits of a sample Release; they may write anything, since the point is to write wrong things. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Edit = (spec: any, release: any) => void;

function broken(edit: Edit): ReleaseInput {
  const release = structuredClone(sampleRelease());
  edit(release.spec, release);
  return release;
}

describe('parseRelease', () => {
  it('fills in every default a user may leave out', () => {
    const { spec } = parsed(sampleRelease());
    expect(spec.healthChecks.readiness).toEqual({ deadline: '30s', weight: 3 });
    expect(spec.healthChecks.http[0]).toEqual({
      name: 'healthz',
      port: 'http',
      path: '/healthz',
      interval: '10s',
      timeout: '2s',
      retries: 1,
      expectStatus: { min: 200, max: 299 },
      failureThreshold: 1,
      weight: 5,
    });
    expect(spec.healthChecks.prometheus[0]).toMatchObject({
      noData: 'Inconclusive',
      interval: '30s',
      failureThreshold: 4,
      weight: 4,
    });
    expect(spec.analysis).toEqual({ window: '5m', failureWeight: 3 });
    expect(spec.rollback).toEqual({ automatic: true });
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.paused).toBe(false);
  });

  it('needs no health checks at all: readiness alone gates a revision', () => {
    const { spec } = parsed(broken((s) => delete s.healthChecks));
    expect(spec.healthChecks).toEqual({ readiness: { deadline: '30s', weight: 3 }, http: [], prometheus: [] });
  });

  it('keeps the pod spec fields it does not model, so the Deployment gets them', () => {
    const { spec } = parsed(sampleRelease());
    expect(spec.template.template.spec.containers[0]).toMatchObject({ ports: [{ name: 'http', containerPort: 8080 }] });
  });

  it('reads a status written by rollguard', () => {
    const release = parsed({
      ...sampleRelease(),
      status: {
        phase: 'Ready',
        observedGeneration: 2,
        currentRevision: 2,
        stableRevision: 2,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'HealthChecksPassed',
            message: 'all checks passed',
            lastTransitionTime: '2026-11-25T10:00:00Z',
          },
        ],
        lastVerdict: {
          time: '2026-11-25T10:00:00Z',
          revision: 2,
          healthy: true,
          failingWeight: 0,
          threshold: 3,
          checks: [{ name: 'error-rate', kind: 'Prometheus', outcome: 'Pass', value: 0.01, weight: 4 }],
        },
        lastRollback: {
          id: 'rb-1',
          fromRevision: 2,
          toRevision: 1,
          reason: 'healthz failed',
          trigger: 'Automatic',
          time: '2026-11-25T09:00:00Z',
        },
        workflowId: 'release/default/web/uid',
      },
    });
    expect(release.status?.lastVerdict?.checks[0]?.outcome).toBe('Pass');
  });

  it.each<{ what: string; field: string; edit: Edit; message: RegExp }>([
    { what: 'no template', field: 'spec.template', edit: (s) => delete s.template, message: /expected object/ },
    {
      what: 'replicas as text',
      field: 'spec.template.replicas',
      edit: (s) => (s.template.replicas = 'three'),
      message: /expected number/,
    },
    {
      what: 'negative replicas',
      field: 'spec.template.replicas',
      edit: (s) => (s.template.replicas = -1),
      message: />=0/,
    },
    {
      what: 'a selector the pods do not carry',
      field: 'spec.template.selector.matchLabels',
      edit: (s) => (s.template.selector.matchLabels = { app: 'other' }),
      message: /must match/,
    },
    {
      what: 'no containers',
      field: 'spec.template.template.spec.containers',
      edit: (s) => (s.template.template.spec.containers = []),
      message: />=1/,
    },
    {
      what: 'an http check with url and port',
      field: 'spec.healthChecks.http[0]',
      edit: (s) => (s.healthChecks.http[0].url = 'http://web/healthz'),
      message: /exactly one of url or port/,
    },
    {
      what: 'an http check with neither url nor port',
      field: 'spec.healthChecks.http[0]',
      edit: (s) => (s.healthChecks.http[0] = { name: 'x' }),
      message: /exactly one of url or port/,
    },
    {
      what: 'a malformed url',
      field: 'spec.healthChecks.http[0].url',
      edit: (s) => (s.healthChecks.http[0] = { name: 'x', url: 'web/healthz' }),
      message: /http/,
    },
    {
      what: 'port 0',
      field: 'spec.healthChecks.http[0].port',
      edit: (s) => (s.healthChecks.http[0].port = 0),
      message: />=1/,
    },
    {
      what: 'a timeout longer than the interval',
      field: 'spec.healthChecks.http[0].timeout',
      edit: (s) => (s.healthChecks.http[0].timeout = '1m'),
      message: /not be longer than interval/,
    },
    {
      what: 'a bad duration',
      field: 'spec.analysis.window',
      edit: (s) => (s.analysis = { window: '5 minutes' }),
      message: /duration/,
    },
    {
      what: 'a zero interval',
      field: 'spec.healthChecks.http[0].interval',
      edit: (s) => (s.healthChecks.http[0].interval = '0s'),
      message: /positive duration/,
    },
    {
      what: 'a weight above 100',
      field: 'spec.healthChecks.http[0].weight',
      edit: (s) => (s.healthChecks.http[0].weight = 101),
      message: /<=100/,
    },
    {
      what: 'a failure threshold of 0',
      field: 'spec.healthChecks.prometheus[0].failureThreshold',
      edit: (s) => (s.healthChecks.prometheus[0].failureThreshold = 0),
      message: />=1/,
    },
    {
      what: 'a prometheus check without bounds',
      field: 'spec.healthChecks.prometheus[0]',
      edit: (s) => delete s.healthChecks.prometheus[0].max,
      message: /min or max/,
    },
    {
      what: 'min above max',
      field: 'spec.healthChecks.prometheus[0].min',
      edit: (s) => Object.assign(s.healthChecks.prometheus[0], { min: 2, max: 1 }),
      message: /not be greater than max/,
    },
    {
      what: 'an unknown noData outcome',
      field: 'spec.healthChecks.prometheus[0].noData',
      edit: (s) => (s.healthChecks.prometheus[0].noData = 'Ignore'),
      message: /Pass/,
    },
    {
      what: 'two checks with one name',
      field: 'spec.healthChecks.http',
      edit: (s) => s.healthChecks.http.push({ ...s.healthChecks.http[0] }),
      message: /unique/,
    },
    {
      what: 'credentials in a check url',
      field: 'spec.healthChecks.http[0].url',
      edit: (s) => (s.healthChecks.http[0] = { name: 'x', url: 'http://admin:hunter2@web/healthz' }),
      message: /must not contain credentials/,
    },
    {
      what: 'credentials in a prometheus address',
      field: 'spec.healthChecks.prometheus[0].address',
      edit: (s) => (s.healthChecks.prometheus[0].address = 'https://reader@prom.example'),
      message: /must not contain credentials/,
    },
    {
      what: 'a 1ms interval',
      field: 'spec.healthChecks.http[0].interval',
      edit: (s) => Object.assign(s.healthChecks.http[0], { interval: '1ms', timeout: '1ms' }),
      message: /at least 1s/,
    },
    {
      what: 'a 50ms timeout',
      field: 'spec.healthChecks.http[0].timeout',
      edit: (s) => (s.healthChecks.http[0].timeout = '50ms'),
      message: /at least 100ms/,
    },
    {
      what: 'a 500ms query interval',
      field: 'spec.healthChecks.prometheus[0].interval',
      edit: (s) => (s.healthChecks.prometheus[0].interval = '500ms'),
      message: /at least 1s/,
    },
    {
      what: 'a check that cannot fail within the window',
      field: 'spec.healthChecks.prometheus',
      edit: (s) => (s.analysis = { window: '1m' }), // the default 4 × 30s is 2m
      message:
        /^failureThreshold × interval exceeds analysis.window \(1m\), so prometheus check "error-rate" can never fail; shorten/,
    },
    {
      what: 'an unknown phase',
      field: 'status.phase',
      edit: (_s, r) => (r.status = { phase: 'Deploying' }),
      message: /Progressing/,
    },
  ])('refuses $what, naming $field', ({ edit, field, message }) => {
    const result = parseRelease(broken(edit));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues).toContainEqual({ field, message: expect.stringMatching(message) });
    expect(result.error.message).toContain('Release web is invalid: ');
  });

  it('accepts a check whose failing rounds just fit the window', () => {
    const spec = parsed(broken((s) => Object.assign(s, { analysis: { window: '2m' } }))).spec;
    expect(spec.healthChecks.prometheus[0]).toMatchObject({ interval: '30s', failureThreshold: 4 });
  });

  it('still reads a spec recorded before the admission rules, as a workflow replaying its history must', () => {
    const recorded = broken((s) => {
      s.healthChecks.http[0] = {
        name: 'healthz',
        url: 'http://127.0.0.1:8080/healthz',
        interval: '500ms',
        timeout: '50ms',
      };
      s.analysis = { window: '1s' };
    }).spec;
    expect(releaseSpecSchema.safeParse(recorded).success).toBe(true);
  });

  it('names the namespace and every bad field in one message', () => {
    const input = broken((s, r) => {
      r.metadata.namespace = 'shop';
      s.revisionHistoryLimit = 0;
      s.paused = 'yes';
    });
    const result = parseRelease(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(/^Release shop\/web is invalid: /);
    expect(result.error.issues.map((i) => i.field)).toEqual(['spec.revisionHistoryLimit', 'spec.paused']);
  });
});
