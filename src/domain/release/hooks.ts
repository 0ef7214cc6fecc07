import type { HookStage } from '../api/index.ts';
import { shortHash } from './names.ts';
import type { ReleaseRef } from './ref.ts';

/** Labels a hook's Job with its stage and name ("preRollout.migrate"). */
export const hookLabel = 'rollguard.dev/hook';
/** The run a hook's Job belongs to: a Job of the same name without it is someone else's. */
export const hookKeyAnnotation = 'rollguard.dev/hook-key';

/** What a hook is told about the moment it runs at (its HTTP body). */
export interface HookContext {
  generation: number;
  revision?: number;
  rollback?: { id: string; fromRevision: number; toRevision: number };
}

const stageNames: Record<HookStage, string> = { preRollout: 'pre', postRollout: 'post', onRollback: 'rb' };

/**
 * The key of one run of a hook: the same for every attempt of the run (retries, a worker killed
 * mid-hook), different for the next rollout or rollback.
 */
export function hookRunKey(ref: ReleaseRef, stage: HookStage, name: string, context: HookContext): string {
  const at = context.rollback ? `rollback-${context.rollback.id}` : `g${context.generation}-r${context.revision ?? 0}`;
  return `${ref.uid}/${stage}/${name}/${at}`;
}

/** The name of a hook run's Job: at most 63 characters, a DNS label, the same for every attempt of the run. */
export function hookJobName(ref: ReleaseRef, stage: HookStage, name: string, key: string): string {
  return `${ref.name.slice(0, 28).replace(/-+$/, '')}-${stageNames[stage]}-${name.slice(0, 16).replace(/-+$/, '')}-${shortHash(key)}`;
}

/** Failure types of a hook that the workflow records as the hook's outcome. */
export const HookFailure = {
  /** The hook ran and did not succeed (an unexpected status, a failed Job). */
  HookFailed: 'HookFailed',
  /** The hook did not finish in its timeout. */
  HookTimedOut: 'HookTimedOut',
  /** The hook cannot run as declared (a Secret missing, the egress policy refuses its host). */
  HookMisconfigured: 'HookMisconfigured',
} as const;
