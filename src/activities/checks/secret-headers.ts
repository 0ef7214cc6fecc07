import { headerValuePattern } from '../../domain/api/check-headers.ts';
import {
  isTransient,
  secretProblem,
  type HeaderSource,
  type SecretKeyRef,
  type SecretReadFailure,
} from '../../domain/health/check-headers.ts';
import type { KubeClients } from '../../kube/client.ts';
import { apiMessage, apiStatus } from '../../kube/errors.ts';

/** Reads a Secret's data, decoded; rejects as the Kubernetes client does (an ApiException carries the status). */
export type ReadSecret = (namespace: string, name: string) => Promise<Record<string, string>>;

/** One `get` of one Secret: the only access to Secrets rollguard needs (deploy/rbac/examples/check-secret-reader.yaml). */
export const kubeSecretReader =
  (kube: KubeClients): ReadSecret =>
  async (namespace, name) => {
    const secret = await kube.core.readNamespacedSecret({ namespace, name });
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([key, base64]) => [key, Buffer.from(base64, 'base64').toString('utf8')]),
    );
  };

/** The headers of a check with their values, and the secret values among them, to keep out of reasons. */
export type ResolvedHeaders =
  | { ok: true; headers: Record<string, string>; secretValues: string[] }
  | { ok: false; problem: string; transient: boolean };

function failureOf(err: unknown): SecretReadFailure {
  const status = apiStatus(err);
  if (status === 404) return { kind: 'NotFound' };
  if (status === 403 || status === 401) return { kind: 'Forbidden' };
  // Neither the error nor its message ever carries the Secret's data: the read failed.
  return { kind: 'Unavailable', why: status === undefined ? String((err as Error)?.message ?? err) : apiMessage(err) };
}

/** The value of one key, trimmed as a file's trailing newline would be, or why it cannot be sent. */
function valueOf(data: Record<string, string>, ref: SecretKeyRef): string | SecretReadFailure {
  const raw = data[ref.key];
  if (raw === undefined) return { kind: 'MissingKey', keys: Object.keys(data).sort() };
  const value = raw.trim();
  if (value === '') return { kind: 'Unusable', why: 'it is empty' };
  if (!headerValuePattern.test(value))
    return { kind: 'Unusable', why: 'it holds a line break, a control character or a character beyond U+00FF' };
  return value;
}

/**
 * Resolves checks' headers, reading each Secret once per resolver: the analysis makes one per run, so
 * the Secret is read again on the next run (a rotated token is picked up) but not on every round. A
 * read that failed is not kept, so a Secret created during the window is found at the next round.
 */
export function createHeaderResolver(readSecret: ReadSecret | undefined) {
  const secrets = new Map<string, Promise<Record<string, string>>>();

  function read(ref: SecretKeyRef): Promise<Record<string, string>> {
    const id = `${ref.namespace}/${ref.name}`;
    let data = secrets.get(id);
    if (!data) {
      data = readSecret
        ? readSecret(ref.namespace, ref.name)
        : Promise.reject(new Error('this worker has no Kubernetes client to read Secrets with'));
      secrets.set(id, data);
      data.catch(() => secrets.delete(id));
    }
    return data;
  }

  /** The value of a Secret's key, or why it cannot be had. */
  async function secretValue(ref: SecretKeyRef): Promise<string | SecretReadFailure> {
    try {
      return valueOf(await read(ref), ref);
    } catch (err) {
      return failureOf(err);
    }
  }

  async function resolve(sources: readonly HeaderSource[]): Promise<ResolvedHeaders> {
    const headers: Record<string, string> = {};
    const secretValues: string[] = [];
    for (const source of sources) {
      if ('value' in source) {
        headers[source.name] = source.value;
        continue;
      }
      const value = await secretValue(source.secretKeyRef);
      if (typeof value !== 'string') {
        return {
          ok: false,
          problem: `header ${source.name}: ${secretProblem(source.secretKeyRef, value)}`,
          transient: isTransient(value),
        };
      }
      headers[source.name] = value;
      secretValues.push(value);
    }
    return { ok: true, headers, secretValues };
  }

  /** Problems reading these Secret keys, one per key; transient ones are thrown (the caller retries). */
  async function unreadable(
    refs: readonly { field: string; ref: SecretKeyRef }[],
  ): Promise<{ problems: string[]; transient: string[] }> {
    const problems: string[] = [];
    const transient: string[] = [];
    for (const { field, ref } of refs) {
      const value = await secretValue(ref);
      if (typeof value === 'string') continue;
      (isTransient(value) ? transient : problems).push(`${field}: ${secretProblem(ref, value)}`);
    }
    return { problems, transient };
  }

  return { resolve, unreadable };
}

export type HeaderResolver = ReturnType<typeof createHeaderResolver>;
