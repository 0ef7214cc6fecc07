import type { ReleaseSpec } from '../api/index.ts';
import type { HeaderSource, SecretKeyRef } from '../health/check-headers.ts';

type SpecHeader = NonNullable<ReleaseSpec['healthChecks']['http'][number]['headers']>[number];

/**
 * A check's headers as the activities take them: each Secret reference in the Release's own
 * namespace (a Release cannot name another's Secrets), and no Secret's value, which only the activity
 * reading it ever holds. Absent when the check has none, so inputs without headers stay as they were.
 */
export function headerSources(
  headers: readonly SpecHeader[] | undefined,
  namespace: string,
): { headers?: HeaderSource[] } {
  if (!headers?.length) return {};
  return {
    headers: headers.map((h) =>
      h.valueFrom
        ? {
            name: h.name,
            secretKeyRef: { namespace, name: h.valueFrom.secretKeyRef.name, key: h.valueFrom.secretKeyRef.key },
          }
        : { name: h.name, value: h.value ?? '' },
    ),
  };
}

/** A Secret key the spec's checks read, with the field that names it. */
export interface CheckSecretRef {
  field: string;
  ref: SecretKeyRef;
}

/** Every Secret key the checks of a spec send as a header: what admission makes sure rollguard can read. */
export function checkSecretRefs(spec: ReleaseSpec, namespace: string): CheckSecretRef[] {
  return (['http', 'prometheus'] as const).flatMap((kind) =>
    spec.healthChecks[kind].flatMap((check, i) =>
      (check.headers ?? []).flatMap((header, j) =>
        header.valueFrom
          ? [
              {
                field: `spec.healthChecks.${kind}[${i}].headers[${j}].valueFrom.secretKeyRef`,
                ref: { namespace, ...header.valueFrom.secretKeyRef },
              },
            ]
          : [],
      ),
    ),
  );
}
