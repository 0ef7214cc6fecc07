import { describe, expect, it } from 'vitest';
import { defaultMaxConcurrentWorkflowTasks, workflowTaskSlots } from '../../../src/server/tuning.ts';

describe('the workflow task slots a worker opens', () => {
  it('are the default, or what the operator asked for', () => {
    expect(workflowTaskSlots({})).toBe(defaultMaxConcurrentWorkflowTasks);
    expect(workflowTaskSlots({ maxConcurrentWorkflowTasks: 64 })).toBe(64);
  });

  it('are never more than the workflows the worker caches, nor fewer than 2 (what the SDK allows)', () => {
    expect(workflowTaskSlots({ maxCachedWorkflows: 20 })).toBe(20);
    expect(workflowTaskSlots({ maxCachedWorkflows: 500, maxConcurrentWorkflowTasks: 300 })).toBe(300);
    expect(workflowTaskSlots({ maxCachedWorkflows: 50, maxConcurrentWorkflowTasks: 300 })).toBe(50);
    expect(workflowTaskSlots({ maxCachedWorkflows: 1 })).toBe(2);
  });
});
