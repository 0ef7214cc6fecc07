import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { rollguardVersion } from './build-info.ts';

/**
 * rollguard's Prometheus metrics, in one registry that `rollguard run` serves on /metrics (with the
 * Temporal worker's own, docs/observability.md). Labels stay bounded: a namespace, a Release's name
 * (only on the one series per Release), a phase, a kind, an outcome; never a revision, pod or id.
 */
export const registry = new Registry();
// The standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes...), which the usual
// dashboards and alerts of Node processes read; the scrape's job and instance say whose they are.
collectDefaultMetrics({ register: registry });

new Gauge({
  name: 'rollguard_build_info',
  help: 'Always 1; the rollguard version this process runs.',
  labelNames: ['version'] as const,
  registers: [registry],
}).set({ version: rollguardVersion }, 1);

// --- Releases (from the active controller's informer cache) ---

/** The Releases an active controller holds in its cache, read at each scrape. */
export interface ReleasePhaseSource {
  phases(): Iterable<{ uid: string; namespace: string; name: string; phase: string }>;
}
const phaseSources = new Set<ReleasePhaseSource>();

/** Counts a controller's cached Releases in rollguard_release_phase until the returned function is called. */
export function exportReleasePhases(source: ReleasePhaseSource): () => void {
  phaseSources.add(source);
  return () => phaseSources.delete(source);
}

export const releasePhase = new Gauge({
  name: 'rollguard_release_phase',
  help: 'One series per Release, of value 1, labelled with the phase its status shows (from the active controller).',
  labelNames: ['namespace', 'release', 'phase'] as const,
  registers: [registry],
  collect() {
    this.reset();
    const seen = new Set<string>();
    for (const source of phaseSources) {
      for (const { uid, namespace, name, phase } of source.phases()) {
        if (seen.has(uid)) continue;
        seen.add(uid);
        this.set({ namespace, release: name, phase }, 1);
      }
    }
  },
});

export const rolloutDuration = new Histogram({
  name: 'rollguard_rollout_duration_seconds',
  help: 'From the start of a rollout to its end, by outcome: Ready, Failed or RolledBack.',
  labelNames: ['outcome'] as const,
  buckets: [5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  registers: [registry],
});

export const verdictFailingWeight = new Histogram({
  name: 'rollguard_verdict_failing_weight_ratio',
  help: 'The summed weight of the failing checks over the failure weight, at each verdict, by verdict: Healthy, Unhealthy or Inconclusive.',
  labelNames: ['verdict'] as const,
  buckets: [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 4],
  registers: [registry],
});

// --- The workflow's steps (counted by the worker that ran them) ---

export const phaseTransitions = new Counter({
  name: 'rollguard_release_phase_transitions_total',
  help: 'Phase transitions of Releases, by namespace, the phase left and the phase entered.',
  labelNames: ['namespace', 'from', 'to'] as const,
  registers: [registry],
});

export const rollbacks = new Counter({
  name: 'rollguard_release_rollbacks_total',
  help: 'Rollbacks started, by namespace and trigger (Automatic, Update, Signal, Annotation).',
  labelNames: ['namespace', 'trigger'] as const,
  registers: [registry],
});

export const healthChecks = new Counter({
  name: 'rollguard_health_checks_total',
  help: 'Health check measurements, by kind (HTTP, Prometheus) and outcome (Pass, Fail, Inconclusive).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export const probeDuration = new Histogram({
  name: 'rollguard_health_probe_duration_seconds',
  help: 'Duration of health check measurements (an HTTP probe, a PromQL query), by kind and outcome.',
  labelNames: ['kind', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

// --- The controller's watches and work queue ---

/** A watch whose health is exported: whether it is listed and watching, and when it last heard anything. */
export interface WatchHealth {
  resource: string;
  current(): boolean;
  /** Epoch ms of the last event, list or (re)connection of the watch. */
  lastActivity(): number;
}
const watches = new Set<WatchHealth>();

/** Exports a watch's health until the returned function is called. */
export function exportWatch(watch: WatchHealth): () => void {
  watches.add(watch);
  return () => watches.delete(watch);
}

const byResource = <T>(pick: (watch: WatchHealth) => T, combine: (values: T[]) => number) => {
  const groups = new Map<string, T[]>();
  for (const watch of watches) groups.set(watch.resource, [...(groups.get(watch.resource) ?? []), pick(watch)]);
  return [...groups].map(([resource, values]) => ({ resource, value: combine(values) }));
};

new Gauge({
  name: 'rollguard_watch_up',
  help: 'Whether every watch of a resource has listed and is watching (1) or is being restarted (0).',
  labelNames: ['resource'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { resource, value } of byResource(
      (w) => w.current(),
      (v) => (v.every(Boolean) ? 1 : 0),
    ))
      this.set({ resource }, value);
  },
});

new Gauge({
  name: 'rollguard_watch_last_event_age_seconds',
  help: 'Seconds since the stalest watch of a resource last received an event or (re)connected.',
  labelNames: ['resource'] as const,
  registers: [registry],
  collect() {
    this.reset();
    const now = Date.now();
    for (const { resource, value } of byResource(
      (w) => w.lastActivity(),
      (v) => Math.min(...v),
    ))
      this.set({ resource }, Math.max(0, (now - value) / 1000));
  },
});

export const watchRestarts = new Counter({
  name: 'rollguard_watch_restarts_total',
  help: 'Watches restarted after they stopped on an error (an API server restart, a refused connection, a 403).',
  labelNames: ['resource'] as const,
  registers: [registry],
});

export const watchEvents = new Counter({
  name: 'rollguard_watch_events_total',
  help: 'Events received by the watches, by resource and type (add, update, delete).',
  labelNames: ['resource', 'type'] as const,
  registers: [registry],
});

/** The activity slots of this process's worker (ActivitySlots): what counts against the limit, and the waits beside it. */
export interface ActivitySlotUsage {
  readonly limit: number;
  readonly usage: { counted: number; waits: number };
}
let activitySlots: ActivitySlotUsage | undefined;

/** Exports a worker's activity slots (one worker per process: the last one started). */
export function exportActivitySlots(slots: ActivitySlotUsage): void {
  activitySlots = slots;
}

new Gauge({
  name: 'rollguard_worker_activity_slots',
  help: 'Activity slots for work (--max-concurrent-activities): used (running, or reserved by a poll) and limit. Waits run beside them.',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    if (!activitySlots) return;
    this.set({ state: 'used' }, activitySlots.usage.counted);
    this.set({ state: 'limit' }, activitySlots.limit);
  },
});

new Gauge({
  name: 'rollguard_worker_waits',
  help: "Activities running that wait on Kubernetes (a rollout, a readiness window, a canary's pods, a hook's Job), beside the activity slots.",
  registers: [registry],
  collect() {
    this.set(activitySlots?.usage.waits ?? 0);
  },
});

/** A work queue whose depth is exported. */
export interface QueueDepth {
  size: number;
}
const queues = new Set<QueueDepth>();

export function exportQueue(queue: QueueDepth): () => void {
  queues.add(queue);
  return () => queues.delete(queue);
}

new Gauge({
  name: 'rollguard_controller_queue_depth',
  help: 'Releases with work pending in the controller (waiting, running or backing off after a failure).',
  registers: [registry],
  collect() {
    this.set([...queues].reduce((sum, q) => sum + q.size, 0));
  },
});

export const reconciles = new Counter({
  name: 'rollguard_controller_reconciles_total',
  help: 'Runs of the controller for a Release, by result (success; later: waits for its workflow, looked at again; error: retried with backoff).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const reconcileDuration = new Histogram({
  name: 'rollguard_controller_reconcile_duration_seconds',
  help: 'Duration of the controller runs for a Release (messages to its workflow, finalizer, Events).',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const inspectionRuns = new Counter({
  name: 'rollguard_inspection_runs_total',
  help: 'Inspections run, by outcome: clean (nothing found), findings, or failed (no report).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const inspectionDuration = new Histogram({
  name: 'rollguard_inspection_duration_seconds',
  help: 'How long an inspection took, from its start to its report.',
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [registry],
});

export const inspectionFindings = new Counter({
  name: 'rollguard_inspection_findings_total',
  help: 'Findings of inspections, by kind and severity.',
  labelNames: ['kind', 'severity'] as const,
  registers: [registry],
});

export const inspectionReleases = new Gauge({
  name: 'rollguard_inspection_releases',
  help: 'Releases of the last inspection, by status (Failing, Error, Warning, Healthy).',
  labelNames: ['status'] as const,
  registers: [registry],
});

// --- the process ---

export const allocatorTrimmedBytes = new Counter({
  name: 'rollguard_allocator_trimmed_bytes_total',
  help: "Resident memory the periodic trim of the C allocator (glibc's malloc_trim) gave back to the system.",
  registers: [registry],
});
