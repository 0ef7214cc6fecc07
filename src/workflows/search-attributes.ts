import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes a Release workflow sets, so the Temporal UI can find a Release by name and
 * filter by phase ("ReleasePhase = 'Failed'"). Each must be registered with the server before use:
 * the local stack and docker-compose.yml register exactly this list.
 */
export const releaseName = defineSearchAttributeKey('ReleaseName', SearchAttributeType.KEYWORD);
export const releaseNamespace = defineSearchAttributeKey('ReleaseNamespace', SearchAttributeType.KEYWORD);
export const releasePhase = defineSearchAttributeKey('ReleasePhase', SearchAttributeType.KEYWORD);
export const releaseRevision = defineSearchAttributeKey('ReleaseRevision', SearchAttributeType.INT);

export const searchAttributes = [releaseName, releaseNamespace, releasePhase, releaseRevision];

/** The `--search-attribute Name=Type` spelling the Temporal CLI and server accept. */
export const searchAttributeSpec = (key: (typeof searchAttributes)[number]): string =>
  `${key.name}=${key.type === SearchAttributeType.INT ? 'Int' : 'Keyword'}`;
