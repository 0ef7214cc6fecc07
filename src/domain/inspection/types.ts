/**
 * The inspection's vocabulary: plain data only, so the inspection workflow can import it and every
 * value crosses the Temporal payload boundary as JSON.
 */

/** Failing: something a person must act on. Warning: worth a look, nothing is broken yet. */
export type FindingSeverity = 'Failing' | 'Warning';

export const findingKinds = [
  'DeploymentMissing',
  'RevisionMismatch',
  'NotAvailable',
  'ManualEdit',
  'CrashLooping',
  'PodNotReady',
  'StuckInPhase',
  'ReleaseFailed',
  'RevisionMissing',
  'CheckFailing',
  'CheckInconclusive',
  'NodeNotReady',
  'ApiServerNotReady',
  'InspectionError',
] as const;
export type FindingKind = (typeof findingKinds)[number];

/** What a finding rests on: what was seen, what was expected or allowed, and since when. */
export interface Evidence {
  /** What was seen: an image, a count, a measured value. */
  value?: string | number;
  /** What the Release's revision says it should be. */
  expected?: string | number;
  /** The limit it crossed (a threshold, a count of pods). */
  threshold?: string | number;
  /** Since when (RFC 3339), when the cluster says. */
  since?: string;
  /** Who changed it (a field manager such as kubectl-patch). */
  by?: string;
}

export interface Finding {
  kind: FindingKind;
  severity: FindingSeverity;
  /** What it is about: "Deployment web", "pod web-5d9c-x2", "check HTTP healthz", "node kwok-node-0". */
  subject: string;
  /** A sentence a person can act on. */
  message: string;
  evidence: Evidence;
}

/** Error: the Release could not be inspected (after the retries); its findings say why. */
export type TargetStatus = 'Failing' | 'Error' | 'Warning' | 'Healthy';
export const targetStatuses: readonly TargetStatus[] = ['Failing', 'Error', 'Warning', 'Healthy'];

/** A Release to inspect. */
export interface InspectionTarget {
  namespace: string;
  name: string;
}

/** One Release's inspection. */
export interface TargetReport extends InspectionTarget {
  status: TargetStatus;
  phase?: string;
  /** The revision the Release's status records, and the one its Deployment runs. */
  currentRevision?: number;
  deploymentRevision?: number;
  findings: Finding[];
  /** Attempts it took (1 when the first one worked). */
  attempts: number;
  durationMs: number;
}

/** Which Releases: every one, one namespace's, those whose labels match a selector, or both. */
export interface InspectionScope {
  namespace?: string;
  /** A Kubernetes label selector, e.g. `tier=frontend,env in (prod)`. */
  selector?: string;
}

/** How an inspection fans out and what it tolerates: configuration, never constants in the code. */
export interface InspectionSettings {
  /** Releases inspected at once. */
  concurrency: number;
  /** Attempts after the first for a Release whose inspection failed on a transient error. */
  retries: number;
  /** The first retry's delay; each next one doubles it. */
  backoffMs: number;
  /** Releases per activity: the workflow's history grows with batches, not with Releases. */
  batchSize: number;
  /** A Release in Pending, Progressing or RollingBack longer than this is stuck. */
  stuckAfterMs: number;
  /** A pod not Ready for longer than this is a finding. */
  notReadyAfterMs: number;
  /** A container restarted this many times is crash-looping. */
  restartThreshold: number;
  /** Scheduled runs that fail in a row before the operator's sinks are told (InspectionFailedRepeatedly). */
  failureThreshold: number;
}

/** What an inspection is asked to do (a Schedule's action carries it). */
export interface InspectionRequest {
  /** The Schedule's name, when a Schedule started it. */
  schedule?: string;
  /** The Schedule's cron expression, as given (the server keeps it only as calendar specs). */
  cron?: string;
  scope?: InspectionScope;
  settings?: Partial<InspectionSettings>;
}

/** The cluster-level signals: nodes and the API server's readiness. */
export interface ClusterReport {
  status: TargetStatus;
  nodes: { total: number; ready: number };
  findings: Finding[];
  /** What could not be looked at and why (a namespaced rollguard may not list nodes): not a finding. */
  skipped?: string[];
}

export type StatusCounts = Record<TargetStatus, number>;

/** Everything one inspection found: the report's data, rendered as HTML and kept as JSON. */
export interface InspectionReport {
  /** The inspection's workflow id. */
  id: string;
  schedule?: string;
  scope: InspectionScope;
  settings: InspectionSettings;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: StatusCounts;
  findingsByKind: Partial<Record<FindingKind, number>>;
  cluster: ClusterReport;
  /** Failing first, then Error, Warning, Healthy; by namespace and name within each. */
  targets: TargetReport[];
}

/** Where a report was written. */
export interface ReportLocation {
  html?: string;
  json?: string;
  configMap?: { namespace: string; name: string; keys: string[]; truncated: boolean };
}

/** What an inspection returns (and `rollguard inspect run` prints): small, whatever the number of Releases. */
export interface InspectionSummary {
  id: string;
  schedule?: string;
  startedAt: string;
  durationMs: number;
  releases: number;
  counts: StatusCounts;
  findingsByKind: Partial<Record<FindingKind, number>>;
  cluster: { status: TargetStatus; findings: Finding[] };
  /** The Releases that are not Healthy, worst first, at most 50. */
  notHealthy: { namespace: string; name: string; status: TargetStatus; kinds: FindingKind[] }[];
  /** True when nothing was found: every Release and the cluster Healthy. */
  clean: boolean;
  report: ReportLocation;
}
