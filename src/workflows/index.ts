// The workflows a rollguard worker runs (its workflowsPath).
export { releaseWorkflow } from './release.ts';
export { releaseNotificationWorkflow } from './notification.ts';
export { inspectionWorkflow } from './inspection.ts';
