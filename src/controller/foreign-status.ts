import type { KubernetesObject } from '@kubernetes/client-node';
import { statusManager } from '../domain/release/ref.ts';

/** A write of the Release's status by someone other than rollguard. */
export interface ForeignStatusWrite {
  writtenBy: string;
  /** Names this write (its manager and time), so it is answered once. */
  key: string;
}

/**
 * Who wrote the Release's status last, when that was not rollguard: the newest managedFields entry of
 * the status subresource that is not rollguard's and is not older than rollguard's own. Times have a
 * resolution of a second, so a write in the same second as rollguard's counts as foreign; the key
 * (manager and time) keeps an answer from being answered again.
 */
export function foreignStatusWrite(object: KubernetesObject): ForeignStatusWrite | undefined {
  const writes = (object.metadata?.managedFields ?? [])
    .filter((entry) => entry.subresource === 'status' && entry.manager)
    .map((entry) => ({ manager: entry.manager as string, at: entry.time ? new Date(entry.time).getTime() : 0 }));
  const ours = Math.max(-1, ...writes.filter((w) => w.manager === statusManager).map((w) => w.at));
  const newest = writes.filter((w) => w.manager !== statusManager && w.at >= ours).sort((a, b) => b.at - a.at)[0];
  return newest ? { writtenBy: newest.manager, key: `${newest.manager}@${newest.at}` } : undefined;
}

/**
 * What of a Release the controller acts on, as a string to compare: its generation (the spec), its
 * deletion, finalizers and annotations, and the last write of its status that was not rollguard's.
 * The rest of what changes is the status the workflow writes itself, several times per rollout: such
 * a change can only record what was already sent (a rollback request handled), never call for a
 * message, so the controller is not run for it (at 10,000 Releases, most of its runs were these).
 */
export function controllerView(object: KubernetesObject): string {
  const { generation, deletionTimestamp, finalizers = [], annotations = {} } = object.metadata ?? {};
  return JSON.stringify([
    generation ?? null,
    deletionTimestamp ?? null,
    finalizers,
    annotations,
    foreignStatusWrite(object)?.key ?? null,
  ]);
}
