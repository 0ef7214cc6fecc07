import type { CheckResult } from '../health/types.ts';
import { checkLabel } from '../health/verdict.ts';
import type { Finding, InspectionSettings, TargetStatus } from './types.ts';

/** What the inspection saw of a Release, read by an activity; the findings are decided from it alone. */
export interface ReleaseObservation {
  namespace: string;
  name: string;
  createdAt?: string;
  phase?: string;
  currentRevision?: number;
  stableRevision?: number;
  /** Since when the Release has been in its phase, as its conditions tell (the latest transition). */
  phaseSince?: string;
  /** The Release's own Deployment; absent when there is none. */
  deployment?: DeploymentObservation;
  /** The containers' images of the revision the Release's status records (from its ControllerRevision). */
  revisionImages?: Record<string, string>;
  /** The replicas the revision asks for, when its template names a number. */
  revisionReplicas?: number;
  /** The revisions the status names (current, stable) that have no ControllerRevision. */
  missingRevisions: number[];
  pods: PodObservation[];
  /** Each HTTP and Prometheus check of the Release, measured once, now, with what it expects ("HTTP 200-399", "<= 0.05"). */
  checks: MeasuredCheck[];
}

export type MeasuredCheck = CheckResult & { expectation?: string };

export interface DeploymentObservation {
  name: string;
  /** The revision rollguard's annotation says it runs. */
  revision?: number;
  replicas: number;
  available: number;
  ready: number;
  updated: number;
  /** Since when its Available condition has been False. */
  unavailableSince?: string;
  /** The Deployment's own words when it stopped progressing (ProgressDeadlineExceeded). */
  stalled?: string;
  images: Record<string, string>;
  /** The last change to its spec made by someone other than rollguard and Kubernetes' own controllers. */
  lastForeignEdit?: { manager: string; time?: string };
}

export interface PodObservation {
  name: string;
  ready: boolean;
  /** Since when Ready has had its current value. */
  readySince?: string;
  restarts: number;
  /** The container waiting reason, e.g. CrashLoopBackOff, and its message. */
  waiting?: { container: string; reason: string; message?: string };
}

const inFlight = new Set(['Pending', 'Progressing', 'RollingBack']);
const ms = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);
const minutes = (msValue: number): string =>
  msValue >= 3_600_000
    ? `${Math.round(msValue / 360_000) / 10}h`
    : msValue >= 60_000
      ? `${Math.round(msValue / 6_000) / 10}m`
      : `${Math.round(msValue / 1_000)}s`;

/** Everything wrong with one Release, worst first. `now` is epoch ms (the caller's clock). */
export function releaseFindings(seen: ReleaseObservation, settings: InspectionSettings, now: number): Finding[] {
  const findings = [
    ...phaseFindings(seen, settings, now),
    ...deploymentFindings(seen),
    ...revisionFindings(seen),
    ...podFindings(seen, settings, now),
    ...checkFindings(seen.checks),
  ];
  return findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
}

const severityRank = (s: Finding['severity']): number => (s === 'Failing' ? 0 : 1);

function phaseFindings(seen: ReleaseObservation, settings: InspectionSettings, now: number): Finding[] {
  const phase = seen.phase ?? 'Pending';
  const subject = `Release ${seen.name}`;
  if (inFlight.has(phase)) {
    const since = seen.phaseSince ?? seen.createdAt;
    const start = ms(since);
    if (start !== undefined && now - start > settings.stuckAfterMs) {
      return [
        {
          kind: 'StuckInPhase',
          severity: 'Failing',
          subject,
          message: `${phase} for ${minutes(now - start)}, longer than ${minutes(settings.stuckAfterMs)}: the workflow may be waiting on something that will not come (see \`rollguard status ${seen.name}\`)`,
          evidence: { value: phase, threshold: minutes(settings.stuckAfterMs), ...(since ? { since } : {}) },
        },
      ];
    }
    return [];
  }
  if (phase === 'Failed') {
    return [
      {
        kind: 'ReleaseFailed',
        severity: 'Warning',
        subject,
        message: `the Release is Failed${seen.currentRevision ? ` (serving revision ${seen.currentRevision})` : ''}: its last rollout was refused or rolled back`,
        evidence: { value: phase, ...(seen.phaseSince ? { since: seen.phaseSince } : {}) },
      },
    ];
  }
  return [];
}

function deploymentFindings(seen: ReleaseObservation): Finding[] {
  const d = seen.deployment;
  const busy = inFlight.has(seen.phase ?? 'Pending');
  if (!d) {
    if (seen.currentRevision === undefined) return []; // never rolled out yet: nothing should exist
    return [
      {
        kind: 'DeploymentMissing',
        severity: 'Failing',
        subject: `Release ${seen.name}`,
        message: `the Release records revision ${seen.currentRevision} but its Deployment does not exist`,
        evidence: { expected: seen.currentRevision },
      },
    ];
  }
  const subject = `Deployment ${d.name}`;
  const findings: Finding[] = [];
  if (seen.currentRevision !== undefined && d.revision !== seen.currentRevision) {
    findings.push({
      kind: 'RevisionMismatch',
      severity: busy ? 'Warning' : 'Failing',
      subject,
      message: `the Deployment runs revision ${d.revision ?? 'none'}, the Release records ${seen.currentRevision}${busy ? ' (a rollout is in flight)' : ''}`,
      evidence: { value: d.revision ?? 'none', expected: seen.currentRevision },
    });
  }
  findings.push(...manualEdits(seen, d));
  if (d.available < d.replicas) {
    findings.push({
      kind: 'NotAvailable',
      severity: busy ? 'Warning' : 'Failing',
      subject,
      message: `${d.available}/${d.replicas} replicas available${d.stalled ? `: ${d.stalled}` : ''}`,
      evidence: {
        value: d.available,
        threshold: d.replicas,
        ...(d.unavailableSince ? { since: d.unavailableSince } : {}),
      },
    });
  }
  return findings;
}

/** The Deployment edited by hand: its containers' images (or its replicas) are not the revision's. */
function manualEdits(seen: ReleaseObservation, d: DeploymentObservation): Finding[] {
  const revision = seen.revisionImages;
  if (!revision || d.revision !== seen.currentRevision) return [];
  const edit = d.lastForeignEdit;
  const who = { ...(edit?.manager ? { by: edit.manager } : {}), ...(edit?.time ? { since: edit.time } : {}) };
  const byWhom = edit ? ` (changed by ${edit.manager}${edit.time ? ` at ${edit.time}` : ''})` : '';
  const findings: Finding[] = [];
  const containers = [...new Set([...Object.keys(revision), ...Object.keys(d.images)])].sort();
  for (const container of containers) {
    const expected = revision[container];
    const live = d.images[container];
    if (expected === live) continue;
    findings.push({
      kind: 'ManualEdit',
      severity: 'Failing',
      subject: `Deployment ${d.name}, container ${container}`,
      message: `${live === undefined ? 'the container is gone' : `image ${live}`}, but revision ${seen.currentRevision} has ${expected ?? 'no such container'}${byWhom}; roll out the change through the Release, or \`rollguard rollback\` to undo it`,
      evidence: { value: live ?? 'absent', expected: expected ?? 'absent', ...who },
    });
  }
  if (seen.revisionReplicas !== undefined && d.replicas !== seen.revisionReplicas) {
    findings.push({
      kind: 'ManualEdit',
      severity: 'Warning',
      subject: `Deployment ${d.name}`,
      message: `${d.replicas} replicas, but revision ${seen.currentRevision} asks for ${seen.revisionReplicas}${byWhom} (an autoscaler may own the count)`,
      evidence: { value: d.replicas, expected: seen.revisionReplicas, ...who },
    });
  }
  return findings;
}

function revisionFindings(seen: ReleaseObservation): Finding[] {
  return seen.missingRevisions.map((revision) => {
    const current = revision === seen.currentRevision;
    return {
      kind: 'RevisionMissing',
      severity: current ? 'Failing' : 'Warning',
      subject: `revision ${revision}`,
      message: `the ControllerRevision of ${current ? 'the current' : 'the stable'} revision ${revision} is gone: ${current ? 'the Deployment cannot be compared with it' : 'a rollback has nothing to return to'}`,
      evidence: { expected: revision },
    } satisfies Finding;
  });
}

function podFindings(seen: ReleaseObservation, settings: InspectionSettings, now: number): Finding[] {
  return seen.pods.flatMap((pod): Finding[] => {
    const subject = `pod ${pod.name}`;
    const crashLoop = pod.waiting?.reason === 'CrashLoopBackOff';
    if (crashLoop || pod.restarts >= settings.restartThreshold) {
      return [
        {
          kind: 'CrashLooping',
          severity: 'Failing',
          subject,
          message: `${crashLoop ? `container ${pod.waiting?.container} is in CrashLoopBackOff` : 'its containers keep restarting'} (${pod.restarts} restarts${pod.waiting?.message ? `; ${pod.waiting.message}` : ''})`,
          evidence: {
            value: pod.restarts,
            threshold: settings.restartThreshold,
            ...(pod.readySince && !pod.ready ? { since: pod.readySince } : {}),
          },
        },
      ];
    }
    const since = ms(pod.readySince);
    if (!pod.ready && since !== undefined && now - since > settings.notReadyAfterMs) {
      return [
        {
          kind: 'PodNotReady',
          severity: 'Warning',
          subject,
          message: `not Ready for ${minutes(now - since)} (longer than ${minutes(settings.notReadyAfterMs)})${pod.waiting ? `: ${pod.waiting.reason}` : ''}`,
          evidence: {
            value: 'NotReady',
            threshold: minutes(settings.notReadyAfterMs),
            since: pod.readySince as string,
          },
        },
      ];
    }
    return [];
  });
}

/** The measured figure with its unit: an HTTP check's is the number of targets that failed. */
function measured(check: CheckResult): string | number | undefined {
  if (check.value === undefined || !Number.isFinite(check.value)) return undefined;
  if (check.kind === 'HTTP') return `${check.value} failing target${check.value === 1 ? '' : 's'}`;
  return check.value;
}

function checkFindings(checks: MeasuredCheck[]): Finding[] {
  return checks.flatMap((check): Finding[] => {
    if (check.outcome === 'Pass') return [];
    const failing = check.outcome === 'Fail';
    return [
      {
        kind: failing ? 'CheckFailing' : 'CheckInconclusive',
        severity: failing ? 'Failing' : 'Warning',
        subject: `check ${checkLabel(check)}`,
        message: `${failing ? 'fails now' : 'could not be measured now'}: ${check.reason}`,
        evidence: {
          ...(measured(check) !== undefined ? { value: measured(check) as string | number } : {}),
          ...(check.expectation ? { expected: check.expectation } : {}),
          threshold: `weight ${check.weight}`,
        },
      },
    ];
  });
}

/** A Release's (or the cluster's) status from its findings. */
export function statusOf(findings: readonly Finding[]): TargetStatus {
  if (findings.some((f) => f.kind === 'InspectionError')) return 'Error';
  if (findings.some((f) => f.severity === 'Failing')) return 'Failing';
  if (findings.some((f) => f.severity === 'Warning')) return 'Warning';
  return 'Healthy';
}

/** The nodes and the API server's /readyz, as the cluster inspection read them. */
export interface ClusterObservation {
  nodes: { name: string; ready: boolean; since?: string; reason?: string }[];
  readyz: { ok: boolean; status?: number; failing: string[]; error?: string };
}

export function clusterFindings(seen: ClusterObservation): Finding[] {
  const findings: Finding[] = seen.nodes
    .filter((n) => !n.ready)
    .map((n) => ({
      kind: 'NodeNotReady',
      severity: 'Failing',
      subject: `node ${n.name}`,
      message: `the node is not Ready${n.reason ? ` (${n.reason})` : ''}: its pods are not being looked after`,
      evidence: { value: 'NotReady', ...(n.since ? { since: n.since } : {}) },
    }));
  if (!seen.readyz.ok) {
    const what = seen.readyz.error ?? `failing: ${seen.readyz.failing.join(', ') || 'no check named'}`;
    findings.push({
      kind: 'ApiServerNotReady',
      severity: 'Failing',
      subject: 'API server /readyz',
      message: `the API server is not ready (${what})`,
      evidence: {
        ...(seen.readyz.status !== undefined ? { value: seen.readyz.status } : {}),
        threshold: 'HTTP 200',
      },
    });
  }
  return findings;
}
