import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** What one evaluation of a health check concluded; Inconclusive counts neither for nor against. */
export const checkOutcomes = ['Pass', 'Fail', 'Inconclusive'] as const;
export type CheckOutcome = (typeof checkOutcomes)[number];

/** The kinds of health check a verdict combines. */
export const checkKinds = ['Readiness', 'HTTP', 'Prometheus'] as const;
export type CheckKind = (typeof checkKinds)[number];

export const checkName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be lower-case letters, digits and "-" (like "healthz")' })
  .meta({ description: 'Name of the check, unique among checks of its kind; verdicts and events refer to it.' });

export const weight = (byDefault: number) =>
  z
    .int()
    .min(0)
    .max(100)
    .default(byDefault)
    .meta({
      description: `How much a failure of this check counts toward analysis.failureWeight (0 to 100, 0 disables it; default ${byDefault}).`,
    });

export const failureThreshold = (byDefault: number) =>
  z
    .int()
    .min(1)
    .max(100)
    .default(byDefault)
    .meta({ description: `Consecutive failed evaluations before the check counts as failing (default ${byDefault}).` });

// The same pattern is all both the API server and parseRelease check, so they never disagree.
const httpUrlPattern = /^https?:\/\/[^\s/?#]+([/?#]\S*)?$/;

// user:password@ before the host. A URL is shown in status, Events and logs and recorded in workflow
// history, so a password in one would be published; credentials go in headers read from a Secret.
const userinfoPattern = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;
export const hasCredentials = (url: string): boolean => userinfoPattern.test(url);
export const credentialsMessage =
  'must not contain credentials (user:password@ before the host): the URL is shown in status and events; send them in a header whose value comes from a Secret (headers[].valueFrom.secretKeyRef)';

/** A URL field; credentials are refused by the API server here and by parseRelease in admission.ts. */
export const httpUrl = (description: string) =>
  z
    .string()
    .max(2048)
    .regex(httpUrlPattern, { message: 'must be an http:// or https:// URL' })
    .meta({
      description: `${description} Without credentials (user:password@), which are refused.`,
      'x-kubernetes-validations': [
        { rule: "!self.matches('^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*@')", message: credentialsMessage },
      ],
    });

/** True unless both durations parse and `shorter` is longer; malformed durations are reported by their own pattern. */
export function notLonger(shorter: string | undefined, longer: string | undefined): boolean {
  try {
    return parseDuration(shorter ?? '') <= parseDuration(longer ?? '');
  } catch {
    return true;
  }
}

/** Check lists are list-maps keyed by name, so the API server refuses duplicate names and server-side apply merges by name. */
export const checkList = <T extends z.ZodType<{ name: string }>>(item: T, description: string) =>
  z
    .array(item)
    .max(16)
    .refine((checks) => new Set(checks.map((c) => c.name)).size === checks.length, {
      message: 'check names must be unique',
    })
    .default([])
    .meta({ description, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
