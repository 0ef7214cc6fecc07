import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** rollguard's Prometheus metrics, in one registry that `rollguard run` serves on /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'rollguard_' });

export const phaseTransitions = new Counter({
  name: 'rollguard_release_phase_transitions_total',
  help: 'Phase transitions of Releases, by the phase left and the phase entered.',
  labelNames: ['namespace', 'release', 'from', 'to'] as const,
  registers: [registry],
});

export const rollbacks = new Counter({
  name: 'rollguard_release_rollbacks_total',
  help: 'Rollbacks started, by trigger (Automatic, Update, Signal, Annotation).',
  labelNames: ['namespace', 'release', 'trigger'] as const,
  registers: [registry],
});

export const releasePhase = new Gauge({
  name: 'rollguard_release_phase',
  help: 'The phase each Release is in (1 for its current phase).',
  labelNames: ['namespace', 'release', 'phase'] as const,
  registers: [registry],
});

export const probeDuration = new Histogram({
  name: 'rollguard_health_probe_duration_seconds',
  help: 'Duration of health probes, by kind and outcome.',
  labelNames: ['kind', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
