import * as k8s from '@kubernetes/client-node';
import { readCredentialFilesOnce, reuseConnections } from './connections.ts';
import { releaseApi, type ReleaseApi } from './releases.ts';

/**
 * The one way rollguard reaches Kubernetes: the kubeconfig and context as kubectl would find them
 * (KUBECONFIG, ~/.kube/config, or the in-cluster service account), or an explicit file.
 */
export interface KubeClients {
  config: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  releases: ReleaseApi;
  events: k8s.EventsV1Api;
  coordination: k8s.CoordinationV1Api;
  /** Jobs (lifecycle hooks). */
  batch: k8s.BatchV1Api;
  objects: k8s.KubernetesObjectApi;
}

export function loadKubeConfig({ file, context }: { file?: string; context?: string } = {}): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  if (file) config.loadFromFile(file);
  else config.loadFromDefault();
  if (context) config.setCurrentContext(context);
  return config;
}

/** An equality label selector (`app=web,tier=fe`) from a selector's matchLabels. */
export const labelSelector = (matchLabels: Record<string, string>): string =>
  Object.entries(matchLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

export function kubeClients(config: k8s.KubeConfig): KubeClients {
  readCredentialFilesOnce(config);
  reuseConnections(config);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);
  return {
    config,
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    custom,
    releases: releaseApi(custom),
    events: config.makeApiClient(k8s.EventsV1Api),
    coordination: config.makeApiClient(k8s.CoordinationV1Api),
    batch: config.makeApiClient(k8s.BatchV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(config),
  };
}
