import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, repoRoot } from '../stack/paths.ts';
import { builderBase, builderNpm, ensureBase, npmTarballOf, runtimeBase } from './bases.ts';
import { buildah, podman, succeeded, ulimits } from './containers.ts';
import { rollguardVersion } from '../../src/telemetry/build-info.ts';

export const dockerfile = join(repoRoot, 'deploy', 'rollguard', 'Dockerfile');
export const imageName = `localhost/rollguard:${rollguardVersion}`;
/** The build stage of the image, tagged so that its cached layers are kept between builds. */
const buildStageName = `localhost/rollguard-build:${rollguardVersion}`;

/**
 * Removes what earlier builds left behind: working containers, and images no tag leads to (the
 * layers of earlier builds of the image and of its build stage; each pass frees the parents the
 * previous one orphaned). The bases and the two tagged images, with their layers, stay, so a
 * rebuild redoes only what changed and the storage does not grow with every build.
 */
async function prune(log: (line: string) => void): Promise<void> {
  await buildah(['rm', '--all']);
  for (let pass = 0; pass < 20; pass++) {
    const removed = succeeded('podman image prune', await podman(['image', 'prune', '--force'])).trim();
    if (removed === '') return;
    log(`removed ${removed.split('\n').length} images of earlier builds`);
  }
}

export interface BuiltImage {
  name: string;
  /** The image ID (sha256 of its config). */
  id: string;
  /** The pinned bases it was built on. */
  buildImage: string;
  baseImage: string;
  bytes: number;
}

/**
 * The CA certificates npm inside the build trusts: the machine's own (a TLS-intercepting proxy's CA
 * is there), given to the build as a secret, so it is in no layer.
 */
function caBundle(): string | undefined {
  return [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find(
    (path): path is string => !!path && existsSync(path),
  );
}

/** The npm the builder base carries, packed from the npm registry once per machine. */
async function npmTarball(): Promise<string> {
  const dir = join(cacheDir, 'image');
  const tarball = npmTarballOf(dir);
  if (existsSync(tarball)) return tarball;
  await mkdir(dir, { recursive: true });
  const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', dir, builderNpm], { encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack ${builderNpm} failed:\n${packed.stderr.slice(-2000)}`);
  return tarball;
}

/**
 * `npm run image`: deploy/rollguard/Dockerfile built with buildah on the two bases of dev/image/bases.ts,
 * pinned by digest. Layers are kept, so a rebuild redoes only what changed (the sources: compile,
 * bundle, production install from the npm cache of the build).
 */
export async function buildImage(log: (line: string) => void): Promise<BuiltImage> {
  if (process.getuid?.() !== 0) throw new Error('the image is built with rootful buildah and podman: run as root');
  const baseImage = await ensureBase(runtimeBase, log);
  const buildImage = await ensureBase(builderBase(await npmTarball()), log);
  log(`building ${imageName} from ${dockerfile} on ${buildImage} and ${baseImage}`);
  const ca = caBundle();
  const build = (target: string[], tag: string) =>
    buildah(
      [
        'build',
        '--layers',
        '--runtime',
        'runc',
        ...ulimits(),
        // npm in the build stage reaches the npm registry as this machine does.
        '--network',
        'host',
        ...(ca ? ['--secret', `id=npm-ca,src=${ca}`] : []),
        '--build-arg',
        `BUILD_IMAGE=${buildImage}`,
        '--build-arg',
        `BASE_IMAGE=${baseImage}`,
        ...target,
        '-f',
        dockerfile,
        '-t',
        tag,
        repoRoot,
      ],
      log,
    );
  // The build stage gets a tag of its own, so that its layers (the dev dependencies' install above
  // all) are an image's and survive the prune below; the full build then finds them in the cache.
  succeeded(`buildah build of ${buildStageName}`, await build(['--target', 'build'], buildStageName));
  succeeded(`buildah build of ${imageName}`, await build([], imageName));
  await prune(log);
  const [id = '', size = '0'] = succeeded(
    'podman image inspect',
    await podman(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', imageName]),
  )
    .trim()
    .split(' ');
  return { name: imageName, id, buildImage, baseImage, bytes: Number(size) };
}
