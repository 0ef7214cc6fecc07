import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, repoRoot } from '../stack/paths.ts';
import { podman, succeeded } from './containers.ts';

/**
 * The two images the Dockerfile builds on, made here from Debian packages (no image registry is
 * needed): mmdebstrap assembles a root filesystem of bookworm from the Debian mirror, and podman
 * imports it into the project's container storage, where it is named by its digest.
 */
export interface Base {
  name: 'rollguard-base' | 'rollguard-builder';
  /** What it is, for the log and the docs. */
  holds: string;
  mmdebstrap: string[];
}

const suite = 'bookworm';
const mirror = 'http://deb.debian.org/debian';
/** A base is rebuilt after this long, to take Debian's security updates. */
const maxAgeDays = 7;
/** The npm of the builder, from the npm registry (Node's binary package carries none). */
const builderNpmVersion = '11.19.1';

/** A shell hook of mmdebstrap: "$1" is the root filesystem being made. */
const hook = (script: string) => `--customize-hook=${script}`;

/**
 * The runtime base, distroless-like: glibc, libstdc++ and libgcc (what Node links), CA certificates and
 * time zones, the passwd entry of uid 1000, and nothing else: no shell, no package manager. tzdata and
 * ca-certificates are unpacked without their dependencies (debconf, perl, openssl: only their
 * maintainer scripts need them), and the CA bundle is made as update-ca-certificates would.
 */
export const runtimeBase: Base = {
  name: 'rollguard-base',
  holds: `Debian ${suite}: libc6, libstdc++6, tzdata, ca-certificates; no shell`,
  mmdebstrap: [
    '--variant=extract',
    '--include=libc6,libstdc++6',
    '--skip=output/dev',
    hook(
      'mkdir -p "$1/tmp/debs" && cd "$1/tmp/debs" && apt-get download -q tzdata ca-certificates' +
        ' && for deb in *.deb; do dpkg-deb -x "$deb" "$1"; done && cd / && rm -rf "$1/tmp/debs"',
    ),
    hook(
      'mkdir -p "$1/etc/ssl/certs" && cat "$1"/usr/share/ca-certificates/mozilla/*.crt > "$1/etc/ssl/certs/ca-certificates.crt"',
    ),
    hook(
      'printf "root:x:0:0:root:/root:/usr/sbin/nologin\\nrollguard:x:1000:1000:rollguard:/nonexistent:/usr/sbin/nologin\\n" > "$1/etc/passwd"' +
        ' && printf "root:x:0:\\nrollguard:x:1000:\\n" > "$1/etc/group"' +
        ' && ln -sf /usr/share/zoneinfo/Etc/UTC "$1/etc/localtime" && chmod 1777 "$1/tmp"',
    ),
    hook('rm -rf "$1/etc/apt" "$1/etc/dpkg" "$1/var/lib/apt" "$1/var/cache/apt" "$1/var/log"'),
  ],
};

/**
 * The build stage's image: Debian minbase (a shell for npm's scripts), the project's Node (the `node`
 * package's binary from the npm registry, as node_modules has it) and npm from the npm registry.
 */
export function builderBase(npmTarball: string): Base {
  const node = join(repoRoot, 'node_modules', 'node', 'bin', 'node');
  return {
    name: 'rollguard-builder',
    holds: `Debian ${suite} minbase, Node ${process.version}, npm ${builderNpmVersion}`,
    mmdebstrap: [
      '--variant=minbase',
      '--skip=output/dev',
      hook(
        `install -m 755 ${node} "$1/usr/local/bin/node" && mkdir -p "$1/usr/local/lib/node_modules/npm"` +
          ` && tar -xzf ${npmTarball} -C "$1/usr/local/lib/node_modules/npm" --strip-components=1` +
          ' && ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"',
      ),
    ],
  };
}

export const npmTarballOf = (dir: string): string => join(dir, `npm-${builderNpmVersion}.tgz`);
export const builderNpm = `npm@${builderNpmVersion}`;

/** The tag of a base: its recipe's digest, so that a changed recipe is a new base. */
function tagOf(base: Base): string {
  const recipe = JSON.stringify({ suite, mirror, base, node: process.version });
  return `localhost/${base.name}:${suite}-${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
}

/** `localhost/NAME@sha256:...` of a base younger than maxAgeDays, made now when there is none. */
export async function ensureBase(base: Base, log: (line: string) => void): Promise<string> {
  const tag = tagOf(base);
  const inspect = await podman(['image', 'inspect', '--format', '{{.Digest}} {{.Created.Unix}}', tag]);
  if (inspect.code === 0) {
    const [digest = '', created = '0'] = inspect.stdout.trim().split(' ');
    const ageDays = (Date.now() / 1000 - Number(created)) / 86_400;
    if (ageDays < maxAgeDays) return `localhost/${base.name}@${digest}`;
    log(`${tag} is ${ageDays.toFixed(0)} days old: made anew with Debian's updates`);
  }
  log(`making ${tag} (${base.holds}) with mmdebstrap from ${mirror}`);
  const dir = join(cacheDir, 'image');
  await mkdir(dir, { recursive: true });
  const tarball = join(dir, `${base.name}.tar`);
  const made = spawnSync('mmdebstrap', ['--quiet', ...base.mmdebstrap, suite, tarball, mirror], {
    encoding: 'utf8',
  });
  if (made.status !== 0)
    throw new Error(`mmdebstrap of ${base.name} failed (exit ${made.status}):\n${made.stderr.slice(-3000)}`);
  succeeded(`podman import of ${base.name}`, await podman(['import', '--quiet', tarball, tag]));
  await rm(tarball, { force: true });
  const digest = succeeded('podman image inspect', await podman(['image', 'inspect', '--format', '{{.Digest}}', tag]));
  return `localhost/${base.name}@${digest.trim()}`;
}
