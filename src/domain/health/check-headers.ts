/**
 * A check's request headers as the workflow hands them to the check activities: plain values, or a
 * reference to a key of a Secret that the activity reads itself when the check runs. A Secret's value
 * never crosses the workflow: not its input, its history, a result, status or an Event.
 */

/** A key of a Secret; the namespace is always the Release's own, filled in by the workflow. */
export interface SecretKeyRef {
  namespace: string;
  name: string;
  key: string;
}

export type HeaderSource = { name: string; value: string } | { name: string; secretKeyRef: SecretKeyRef };

/** Why a Secret's key could not be sent; `transient` when trying again may work (the API server did not answer). */
export type SecretReadFailure =
  | { kind: 'NotFound' }
  | { kind: 'Forbidden' }
  | { kind: 'MissingKey'; keys: string[] }
  | { kind: 'Unusable'; why: string }
  | { kind: 'Unavailable'; why: string };

/** Where the grant for one Secret is described, for messages that tell a person what to do. */
export const secretGrantHint = 'deploy/rbac/examples/check-secret-reader.yaml, docs/check-credentials.md';

/**
 * What went wrong with a Secret's key, naming the Secret and the key and saying what to do; never
 * its value. The key names of a Secret are not secret (`kubectl describe secret` shows them), and
 * they make a typo obvious.
 */
export function secretProblem(ref: SecretKeyRef, failure: SecretReadFailure): string {
  const secret = `Secret "${ref.name}" in namespace ${ref.namespace}`;
  switch (failure.kind) {
    case 'NotFound':
      return `${secret} does not exist: create it, or correct secretKeyRef.name`;
    case 'Forbidden':
      return `rollguard may not read ${secret}: grant its ServiceAccount get on this Secret with a Role and a RoleBinding in ${ref.namespace} (${secretGrantHint})`;
    case 'MissingKey': {
      const keys =
        failure.keys.length > 0 ? `its keys are ${failure.keys.map((k) => `"${k}"`).join(', ')}` : 'it has no keys';
      return `${secret} has no key "${ref.key}" (${keys}): correct secretKeyRef.key, or add the key to the Secret`;
    }
    case 'Unusable':
      return `key "${ref.key}" of ${secret} cannot be sent as a header value: ${failure.why}`;
    case 'Unavailable':
      return `${secret} could not be read: ${failure.why}`;
  }
}

/** True when a failure may pass by itself: the check is Inconclusive rather than failed. */
export const isTransient = (failure: SecretReadFailure): boolean => failure.kind === 'Unavailable';

/** The Secret references among a check's headers. */
export const secretRefs = (headers: readonly HeaderSource[] | undefined): SecretKeyRef[] =>
  (headers ?? []).flatMap((h) => ('secretKeyRef' in h ? [h.secretKeyRef] : []));

/**
 * Replaces every occurrence of a secret value in a text meant for people (a check's reason), in case a
 * server echoed a header back into an error rollguard reports.
 */
export function redactValues(text: string, values: readonly string[]): string {
  return values.filter((v) => v.length > 0).reduce((out, value) => out.split(value).join('[redacted]'), text);
}
