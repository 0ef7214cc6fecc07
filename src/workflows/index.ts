// The workflows a rollguard worker runs (its workflowsPath).
export { releaseWorkflow } from './release.ts';
export { inspectionWorkflow } from './inspection.ts';
