import type { ReleaseInput } from '../../src/domain/api/index.ts';
import { type AppOptions, appRelease } from '../support/release-specs.ts';

type ReleaseManifest = ReleaseInput & { metadata: { name: string } };

/**
 * A Release of the fault tests: two replicas whose pods take `readyDelay` to become Ready, so a
 * fault lands while rollguard waits for them. The delay is a pod annotation, the same for every
 * revision (it is part of the template, so changing it would be a revision of its own).
 */
export function faultRelease(
  name: string,
  image: string,
  { readyDelay = '5s', ...options }: Partial<AppOptions> & { readyDelay?: string } = {},
): ReleaseManifest {
  return appRelease(name, {
    replicas: 2,
    deadline: '90s',
    ...options,
    image,
    podAnnotations: { 'rollguard.dev/ready-delay': readyDelay },
  });
}

/**
 * The same with the Recreate strategy: every old pod goes before the new ones come, so a rollback
 * waits for the stable revision's pods to come up again (a rollout, not a switch back).
 */
export function recreateRelease(
  name: string,
  image: string,
  options: Partial<AppOptions> & { readyDelay?: string } = {},
): ReleaseManifest {
  const release = faultRelease(name, image, options);
  return {
    ...release,
    spec: { ...release.spec, template: { ...release.spec.template, strategy: { type: 'Recreate' } } },
  };
}
