import { defineConfig } from 'vitest/config';
import { clusterStackEnv } from './test/cluster/stack-env.ts';
import { faultStackEnv } from './test/faults/stack-env.ts';

export default defineConfig({
  test: {
    // Two test files at once: the integration files mostly wait on the stack (a pod to be Ready, a
    // timer, a process to start), each in a namespace and on a task queue of its own, so two share the
    // 2-core machines the suite runs on without slowing each other much (11 min instead of 18 for the
    // integration project; docs/development.md). The fault and cluster projects stay one file at a time.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
      {
        // Kills and restarts servers, so on a stack of its own (test/faults/stack-env.ts), after the
        // other projects, one file at a time: a server fault in one file would be a fault in the others.
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/faults/global-setup.ts'],
          env: faultStackEnv,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        // Several workers on one Temporal cluster (the stack's cluster profile), on a stack of its own
        // (test/cluster/stack-env.ts), after the fault tests.
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          globalSetup: ['test/cluster/global-setup.ts'],
          env: clusterStackEnv,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
