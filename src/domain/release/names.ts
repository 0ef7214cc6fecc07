/**
 * Names and label values derived from a Release's name. A Release name may be up to 253 characters
 * (a DNS subdomain), longer than some of what is derived from it may be: a label value holds 63, and
 * an object name with a suffix can pass 253. What does not fit is cut and ends in a hash of the whole
 * name, so two long names that share a prefix still differ.
 */
const maxName = 253;
const maxLabelValue = 63;

/** FNV-1a, 32 bits, as 8 hex digits: stable, dependency-free, and allowed in workflow code. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** `text` when it fits in `max` characters, otherwise a prefix of it, a dash and its hash. */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const prefix = text.slice(0, max - 9).replace(/[-.]+$/, '');
  return `${prefix}-${shortHash(text)}`;
}

/** The value of the rollguard.dev/release label on the objects a Release owns. */
export const releaseLabelValue = (releaseName: string): string => fit(releaseName, maxLabelValue);

/**
 * The name of a Release's Deployment: the Release's own name while its ReplicaSets' names (the
 * Deployment's name, a dash and a 10-character hash) still fit in 253 characters.
 */
export const deploymentName = (releaseName: string): string => fit(releaseName, maxName - 11);

/** The name of the Deployment that runs a canary's new revision beside the Release's own. */
export const canaryDeploymentName = (releaseName: string): string => `${fit(releaseName, maxName - 18)}-canary`;

/** The name of a Release's ControllerRevision for one revision number. */
export const revisionObjectName = (releaseName: string, revision: number): string =>
  `${fit(releaseName, maxName - 11)}-${revision}`;
