import type { KubeConfig } from '@kubernetes/client-node';
import { kubeClients, loadKubeConfig, type KubeClients } from '../kube/client.ts';
import {
  connectTemporal,
  resolveTemporalConfig,
  type TemporalConnection,
  type TemporalOptions,
} from '../temporal/client.ts';
import type { Endpoints } from './classify.ts';
import { UnreachableError, UsageError } from './errors.ts';
import type { Output } from './output.ts';

/** Where the command line said the cluster and Temporal are; unset means "as kubectl / temporal would find it". */
export interface Connections {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  temporalAddress?: string;
  temporalNamespace?: string;
  temporalProfile?: string;
}

/**
 * What a command runs with: its output, and the cluster and Temporal, each connected on first use
 * (so `status` works with Temporal down, and `--help` needs neither).
 */
export class Session {
  readonly out: Output;
  readonly connections: Connections;
  private clients: KubeClients | undefined;
  private temporalConnection: Promise<TemporalConnection> | undefined;

  constructor(connections: Connections, out: Output) {
    this.connections = connections;
    this.out = out;
  }

  kubeConfig(): KubeConfig {
    return this.kube().config;
  }

  kube(): KubeClients {
    this.clients ??= kubeClients(this.loadKubeConfig());
    return this.clients;
  }

  /** The namespace commands act in: -n, else the context's namespace, else "default". */
  get namespace(): string {
    if (this.connections.namespace) return this.connections.namespace;
    const config = this.kubeConfig();
    return config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  }

  temporal(): Promise<TemporalConnection> {
    this.temporalConnection ??= connectTemporal(this.temporalOptions());
    return this.temporalConnection;
  }

  /** The Temporal namespace Release workflows are looked up in, as configured (no connection needed). */
  temporalNamespace(): string {
    try {
      return resolveTemporalConfig(this.temporalOptions()).namespace;
    } catch {
      return this.connections.temporalNamespace ?? 'default';
    }
  }

  /** Where the CLI talks to, for error messages; never throws. */
  endpoints(): Endpoints {
    const endpoints: Endpoints = {};
    try {
      endpoints.kubernetes = this.clients?.config.getCurrentCluster()?.server;
    } catch {
      // no cluster configured: the error says so itself
    }
    try {
      endpoints.temporal = resolveTemporalConfig(this.temporalOptions()).connectionOptions.address;
    } catch {
      // the Temporal configuration is unreadable: the error says so itself
    }
    return endpoints;
  }

  async close(): Promise<void> {
    const connection = await this.temporalConnection?.catch(() => undefined);
    await connection?.connection.close();
  }

  private temporalOptions(): TemporalOptions {
    const c = this.connections;
    return {
      ...(c.temporalAddress ? { address: c.temporalAddress } : {}),
      ...(c.temporalNamespace ? { namespace: c.temporalNamespace } : {}),
      ...(c.temporalProfile ? { profile: c.temporalProfile } : {}),
    };
  }

  private loadKubeConfig(): KubeConfig {
    const { kubeconfig, context } = this.connections;
    const where = kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    let config: KubeConfig;
    try {
      config = loadKubeConfig(kubeconfig ? { file: kubeconfig } : {});
    } catch (err) {
      const reason =
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'no such file'
          : ((err as Error).message.split('\n')[0] ?? '');
      throw new UnreachableError(
        `cannot read the kubeconfig ${where}: ${reason}; point KUBECONFIG or --kubeconfig at a kubeconfig file`,
        { cause: err },
      );
    }
    if (context) {
      if (!config.getContextObject(context)) {
        const known = config.getContexts().map((c) => c.name);
        throw new UsageError(
          `the kubeconfig ${where} has no context "${context}"; its contexts: ${known.join(', ') || 'none'}`,
        );
      }
      config.setCurrentContext(context);
    }
    if (!config.getCurrentCluster()) {
      throw new UnreachableError(
        `the kubeconfig ${where} names no cluster for context "${config.getCurrentContext()}"; choose one with --context`,
      );
    }
    return config;
  }
}
