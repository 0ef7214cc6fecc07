import type { ReleaseInput } from '../../src/domain/api/index.ts';

export interface AppOptions {
  image: string;
  replicas?: number;
  deadline?: string;
  window?: string;
  automatic?: boolean;
  paused?: boolean;
  http?: NonNullable<ReleaseInput['spec']['healthChecks']>['http'];
  prometheus?: NonNullable<ReleaseInput['spec']['healthChecks']>['prometheus'];
  failureWeight?: number;
  podAnnotations?: Record<string, string>;
  strategy?: ReleaseInput['spec']['strategy'];
}

/**
 * A Release of one app as the workflow tests write it: old pods keep serving during an update
 * (maxUnavailable 0), readiness is the only gate unless checks are given.
 */
export function appRelease(name: string, o: AppOptions): ReleaseInput & { metadata: { name: string } } {
  return {
    apiVersion: 'rollguard.dev/v1alpha1',
    kind: 'Release',
    metadata: { name },
    spec: {
      template: {
        replicas: o.replicas ?? 3,
        selector: { matchLabels: { app: name } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: name }, ...(o.podAnnotations ? { annotations: o.podAnnotations } : {}) },
          spec: { containers: [{ name: 'app', image: o.image }] },
        },
      },
      healthChecks: {
        readiness: { deadline: o.deadline ?? '20s' },
        ...(o.http ? { http: o.http } : {}),
        ...(o.prometheus ? { prometheus: o.prometheus } : {}),
      },
      analysis: { window: o.window ?? '2s', ...(o.failureWeight ? { failureWeight: o.failureWeight } : {}) },
      rollback: { automatic: o.automatic ?? true },
      paused: o.paused ?? false,
      ...(o.strategy ? { strategy: o.strategy } : {}),
    },
  };
}
