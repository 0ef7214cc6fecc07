import pLimit from 'p-limit';
import { notificationsSchema } from '../../domain/api/notifications.ts';
import type { InspectionRecipients } from '../../domain/inspection/notifications.ts';
import type { InspectionTarget } from '../../domain/inspection/types.ts';
import { releaseSinks, type SinkTarget, sinkWants } from '../../domain/release/notifications.ts';
import type { KubeClients } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';

/** Releases read at once when an inspection looks up who takes its findings. */
const concurrency = 10;

interface StoredRelease {
  metadata?: { uid?: string };
  spec?: { notifications?: unknown };
}

export function createRecipientActivities({ kube, operatorSinks }: { kube: KubeClients; operatorSinks: SinkTarget[] }) {
  /**
   * Who takes an inspection's findings: whether an operator sink does, and, for each Release with
   * findings that still exists, its uid and its own sinks that do (references only, as in its spec).
   * A Release whose notifications do not parse has no sinks of its own here; the operator's are still told.
   */
  async function inspectionRecipients({ targets }: { targets: InspectionTarget[] }): Promise<InspectionRecipients> {
    const limit = pLimit(concurrency);
    const found = await Promise.all(
      targets.map((target) =>
        limit(async () => {
          const stored = (await kube.releases.get(target).catch((err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw err;
          })) as StoredRelease | undefined;
          const uid = stored?.metadata?.uid;
          if (!uid) return undefined;
          const notifications = notificationsSchema.safeParse(stored.spec?.notifications ?? {});
          const sinks = notifications.success
            ? releaseSinks(notifications.data.sinks, target.namespace).filter((s) => sinkWants(s, 'InspectionFinding'))
            : [];
          return { ...target, uid, sinks };
        }),
      ),
    );
    return {
      operator: operatorSinks.some((s) => sinkWants(s, 'InspectionFinding')),
      releases: found.filter((r) => r !== undefined),
    };
  }

  return { inspectionRecipients };
}
