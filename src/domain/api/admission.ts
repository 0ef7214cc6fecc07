import { credentialsMessage, hasCredentials } from './check-fields.ts';
import { atLeast, checkFloors, parseDuration, tooShort } from './duration.ts';
import type { CrossFieldRule } from './rules.ts';

/**
 * Rules a Release must meet to be admitted that a spec recorded earlier may not meet: no credentials
 * in URLs, interval and timeout floors, checks that can fail within the window. The API server
 * enforces them (CEL in the CRD) and so does parseRelease (admissionIssues), for the controller and the
 * CLI; a workflow reading a spec from its history does not, so histories recorded before a rule
 * existed replay the same way.
 */

/** What the rules read of a spec; structural, so spec.ts can carry their CEL without a circular type. */
interface TimedCheck {
  name: string;
  url?: string | undefined;
  address?: string | undefined;
  interval?: string | undefined;
  timeout?: string | undefined;
  failureThreshold?: number | undefined;
}
type Window = { window?: string | undefined } | undefined;
export interface AdmittedSpec {
  healthChecks?: { http?: TimedCheck[] | undefined; prometheus?: TimedCheck[] | undefined } | undefined;
  analysis?: Window;
  strategy?:
    | {
        canary?: { steps?: { analysis?: Window }[] | undefined } | undefined;
        blueGreen?: { previewAnalysis?: Window } | undefined;
      }
    | undefined;
}

export interface AdmissionIssue {
  /** Relative to the spec. */
  path: (string | number)[];
  message: string;
}

const durationCel = "'^[1-9][0-9]{0,5}(ms|s|m|h)$'";
const advice = 'shorten its interval, lower its failureThreshold, or lengthen analysis.window';

const msOf = (text: string | undefined): number | undefined => {
  try {
    return parseDuration(text ?? '');
  } catch {
    return undefined;
  }
};

/** The checks whose failureThreshold × interval exceeds the window: they could never fail. */
function tooSlow(
  spec: AdmittedSpec,
  checks: TimedCheck[] | undefined,
  windowText = spec.analysis?.window,
): TimedCheck[] {
  const window = msOf(windowText);
  if (window === undefined) return [];
  return (checks ?? []).filter((check) => {
    const interval = msOf(check.interval);
    return interval !== undefined && check.failureThreshold !== undefined && interval * check.failureThreshold > window;
  });
}

const slowMessage = (kind: string, spec: AdmittedSpec, slow: TimedCheck[]): string =>
  `failureThreshold × interval exceeds analysis.window (${spec.analysis?.window}), so ${kind} check ${slow.map((c) => `"${c.name}"`).join(' ')} can never fail; ${advice}`;

/** Most checks of one kind a Release may have (checkList's maxItems). */
const maxChecks = 16;

/**
 * A check that needs failureThreshold failing rounds, interval apart, can only fail if the analysis
 * window lasts that long; otherwise a broken revision passes, its failures "tolerated" until the window
 * ends. One rule per kind, so the API server names the list and the message names the check.
 */
function checksFitWindow(kind: 'http' | 'prometheus'): CrossFieldRule<AdmittedSpec> {
  const list = `self.healthChecks.${kind}`;
  const measurable = (c: string): string =>
    `has(${c}.interval) && has(${c}.failureThreshold) && ${c}.interval.matches(${durationCel})`;
  const fits = (c: string): string =>
    `duration(${c}.interval).getMilliseconds() * ${c}.failureThreshold <= duration(self.analysis.window).getMilliseconds()`;
  const guard = `!has(self.healthChecks) || !has(${list}) || !has(self.analysis) || !has(self.analysis.window) || !self.analysis.window.matches(${durationCel})`;
  // The API server's cost estimate refuses map/filter/join and string(int) in a message, so the
  // message names each check by position: one term per possible check.
  const named = Array.from({ length: maxChecks }, (_, i) => {
    const c = `${list}[${i}]`;
    return `(size(${list}) > ${i} && ${measurable(c)} && !(${fits(c)}) ? ' "' + ${c}.name + '"' : '')`;
  });
  return {
    cel: `${guard} || ${list}.all(c, !(${measurable('c')}) || ${fits('c')})`,
    message: `failureThreshold × interval exceeds analysis.window, so a ${kind} check can never fail; ${advice}`,
    messageExpression: `'failureThreshold × interval exceeds analysis.window (' + self.analysis.window + '), so ${kind} check' + ${named.join(' + ')} + ' can never fail; ${advice}'`,
    field: `.healthChecks.${kind}`,
    holds: (spec) => tooSlow(spec, spec.healthChecks?.[kind]).length === 0,
  };
}

/** The spec-level rules, whose CEL spec.ts carries. */
export const analysisTimingRules = [checksFitWindow('http'), checksFitWindow('prometheus')];

/** What admission refuses in a spec that the schema alone accepts; parseRelease reports each. */
export function admissionIssues(spec: AdmittedSpec): AdmissionIssue[] {
  const issues: AdmissionIssue[] = [];
  const floor = (path: AdmissionIssue['path'], value: string | undefined, min: string): void => {
    if (value !== undefined && !atLeast(value, min)) issues.push({ path, message: tooShort(min) });
  };
  const noCredentials = (path: AdmissionIssue['path'], url: string | undefined): void => {
    if (url !== undefined && hasCredentials(url)) issues.push({ path, message: credentialsMessage });
  };
  (spec.healthChecks?.http ?? []).forEach((check, i) => {
    noCredentials(['healthChecks', 'http', i, 'url'], check.url);
    floor(['healthChecks', 'http', i, 'interval'], check.interval, checkFloors.interval);
    floor(['healthChecks', 'http', i, 'timeout'], check.timeout, checkFloors.timeout);
  });
  (spec.healthChecks?.prometheus ?? []).forEach((check, i) => {
    noCredentials(['healthChecks', 'prometheus', i, 'address'], check.address);
    floor(['healthChecks', 'prometheus', i, 'interval'], check.interval, checkFloors.interval);
  });
  for (const kind of ['http', 'prometheus'] as const) {
    const slow = tooSlow(spec, spec.healthChecks?.[kind]);
    if (slow.length > 0) issues.push({ path: ['healthChecks', kind], message: slowMessage(kind, spec, slow) });
  }
  issues.push(...stepWindowIssues(spec));
  return issues;
}

/**
 * The same rule for the analyses of a canary's steps and a blue-green preview, whose windows are
 * their own (spec.analysis.window when they have none). Only here, not in CEL: the API server would
 * have to pair every step with every check.
 */
function stepWindowIssues(spec: AdmittedSpec): AdmissionIssue[] {
  const windows: { path: AdmissionIssue['path']; window: string }[] = [];
  (spec.strategy?.canary?.steps ?? []).forEach((step, i) => {
    if (step.analysis?.window !== undefined)
      windows.push({ path: ['strategy', 'canary', 'steps', i, 'analysis', 'window'], window: step.analysis.window });
  });
  const preview = spec.strategy?.blueGreen?.previewAnalysis?.window;
  if (preview !== undefined)
    windows.push({ path: ['strategy', 'blueGreen', 'previewAnalysis', 'window'], window: preview });
  return windows.flatMap(({ path, window }) =>
    (['http', 'prometheus'] as const).flatMap((kind) => {
      const slow = tooSlow(spec, spec.healthChecks?.[kind], window);
      if (slow.length === 0) return [];
      const names = slow.map((c) => `"${c.name}"`).join(' ');
      return [
        {
          path,
          message: `failureThreshold × interval exceeds this window (${window}), so ${kind} check ${names} can never fail in it; lengthen the window, or shorten the check's interval or lower its failureThreshold`,
        },
      ];
    }),
  );
}
