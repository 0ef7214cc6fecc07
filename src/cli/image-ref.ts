/**
 * The container image reference grammar of the OCI distribution spec (github.com/distribution/reference):
 *   [host[:port]/]path[:tag][@algorithm:hex]
 * A path component is lower-case letters and digits joined by ".", "_", "__" or dashes.
 */
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const maxNameLength = 255;

export interface ImageReference {
  /** Registry host (and port), when the reference names one. */
  domain?: string;
  /** The repository path, e.g. "library/nginx". */
  path: string;
  tag?: string;
  digest?: string;
}

export type ImageCheck = { ok: true; reference: ImageReference } | { ok: false; reason: string };

/** Checks an image reference the way a container runtime would, and says what is wrong with a bad one. */
export function checkImageReference(text: string): ImageCheck {
  const fail = (reason: string): ImageCheck => ({ ok: false, reason });
  if (text === '') return fail('the image is empty');
  if (/\s/.test(text)) return fail('an image reference cannot contain spaces');

  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const nameAndTag = at >= 0 ? text.slice(0, at) : text;
  if (digest !== undefined && !digestPattern.test(digest))
    return fail(`"@${digest}" is not a digest such as "@sha256:" followed by 64 hex digits`);

  // A ":" after the last "/" starts the tag; one before it belongs to a registry port.
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tag === '') return fail('the tag after ":" is empty');
  if (tag !== undefined && !tagPattern.test(tag)) {
    return fail(
      `the tag "${tag}" is not valid: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`,
    );
  }
  if (name === '') return fail('the image has no repository name');
  if (name.length > maxNameLength) return fail(`the repository name is longer than ${maxNameLength} characters`);

  const parts = name.split('/');
  const first = parts[0] as string;
  // Like Docker: the first part is a registry when it has a "." or ":", or is "localhost".
  const hasDomain =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first));
  if (hasDomain && !domain.test(first)) return fail(`"${first}" is not a registry host name`);
  const path = hasDomain ? parts.slice(1) : parts;
  for (const component of path) {
    if (component === '') return fail('the repository name has an empty path component ("//" or a trailing "/")');
    if (/[A-Z]/.test(component)) return fail(`"${component}" has upper-case letters; repository names are lower case`);
    if (!pathComponent.test(component)) {
      return fail(
        `"${component}" is not a repository name component: lower-case letters and digits, joined by ".", "_" or "-"`,
      );
    }
  }
  return {
    ok: true,
    reference: {
      ...(hasDomain ? { domain: first } : {}),
      path: path.join('/'),
      ...(tag !== undefined ? { tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    },
  };
}

export interface ImageAssignment {
  container: string;
  image: string;
}

/** `CONTAINER=IMAGE` as `set-image` takes it; throws a one-line reason for anything else. */
export function parseImageAssignment(text: string): ImageAssignment {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`"${text}" is not CONTAINER=IMAGE (e.g. app=example/web:v2)`);
  const container = text.slice(0, eq);
  const image = text.slice(eq + 1);
  const check = checkImageReference(image);
  if (!check.ok) throw new Error(`"${image}" is not a valid image reference: ${check.reason}`);
  return { container, image };
}
