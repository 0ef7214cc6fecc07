import { UsageError } from '../errors.ts';
import { rolloutFailure } from '../follow.ts';
import type { ImageAssignment } from '../image-ref.ts';
import { patchRelease, readRelease } from '../releases.ts';
import type { Session } from '../session.ts';
import { announceChange } from './change.ts';

export interface SetImageOptions {
  release: string;
  /** Checked image references, one per container to change. */
  images: ImageAssignment[];
  wait: boolean;
  timeoutMs: number;
}

const containersPath = '/spec/template/template/spec/containers';

/** `rollguard set-image RELEASE CONTAINER=IMAGE...`: a new revision with other images, nothing else changed. */
export async function setImage(options: SetImageOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const containers = release.spec.template.template.spec.containers;
  const operations: object[] = [];
  for (const { container, image } of options.images) {
    const index = containers.findIndex((c) => c.name === container);
    if (index < 0) {
      const names = containers.map((c) => c.name).join(', ');
      throw new UsageError(
        `Release ${release.metadata.namespace}/${release.metadata.name} has no container "${container}"; its containers: ${names}`,
      );
    }
    if (containers[index]?.image === image) continue;
    // The test makes the patch fail if the list was reordered since it was read, instead of changing another container.
    operations.push({ op: 'test', path: `${containersPath}/${index}/name`, value: container });
    operations.push({ op: 'replace', path: `${containersPath}/${index}/image`, value: image });
  }
  const since = new Date();
  const changed = operations.length > 0 ? await patchRelease(session, release, operations) : release;
  const summary = await announceChange(session, changed, {
    action: operations.length > 0 ? 'configured' : 'unchanged',
    since,
    wait: options.wait,
    timeoutMs: options.timeoutMs,
  });
  if (session.out.format !== 'text') session.out.data(summary);
  if (summary.outcome) {
    const failure = rolloutFailure(`release ${summary.namespace}/${summary.name}`, summary.outcome);
    if (failure) throw failure;
  }
  return 0;
}
