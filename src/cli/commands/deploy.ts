import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { parseRelease, releaseResource, type Release } from '../../domain/api/index.ts';
import { UsageError } from '../errors.ts';
import { rolloutFailure } from '../follow.ts';
import { applyRelease, findRelease } from '../releases.ts';
import type { Session } from '../session.ts';
import { announceChange, type ChangeSummary } from './change.ts';

export interface DeployOptions {
  /** A YAML or JSON file of one or more Releases; "-" reads stdin. */
  file: string;
  wait: boolean;
  timeoutMs: number;
  /** Take over fields another field manager owns, instead of refusing (default false). */
  forceConflicts?: boolean;
}

type ReleaseDocument = { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };

async function readDocuments(file: string): Promise<ReleaseDocument[]> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${reason}`);
  }
  const documents = parseAllDocuments(text);
  const docs = Array.isArray(documents) ? documents : [documents];
  const broken = docs.flatMap((d) => d.errors).at(0);
  if (broken) throw new UsageError(`${file} is not valid YAML: ${broken.message.split('\n')[0]}`);
  const values = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  if (values.length === 0) throw new UsageError(`${file} holds no Release`);
  return values;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The namespace of a document: its own, which must agree with an explicit -n, else the session's. */
function namespaceOf(doc: ReleaseDocument, session: Session, file: string): string {
  const own = typeof doc.metadata?.namespace === 'string' ? doc.metadata.namespace : undefined;
  const asked = session.connections.namespace;
  if (own && asked && own !== asked) {
    throw new UsageError(
      `${file} puts Release "${String(doc.metadata?.name)}" in namespace "${own}", but -n says "${asked}"; drop one of them`,
    );
  }
  return own ?? session.namespace;
}

/** Checks every document before anything is applied, so a bad file changes nothing. */
function validate(
  docs: ReleaseDocument[],
  session: Session,
  file: string,
): { body: ReleaseDocument & { metadata: { name: string; namespace: string } }; release: Release }[] {
  return docs.map((doc, i) => {
    if (doc.kind !== releaseResource.kind || doc.apiVersion !== releaseResource.apiVersion) {
      throw new UsageError(
        `${file}: document ${i + 1} is a ${typeof doc.kind === 'string' ? doc.kind : 'document without kind'}; rollguard deploy takes ${releaseResource.apiVersion} Releases (use kubectl for anything else)`,
      );
    }
    const parsed = parseRelease(doc);
    if (!parsed.ok) {
      const details = parsed.error.issues.map((issue) => `${issue.field}: ${issue.message}`);
      throw new UsageError(
        `${file}: ${parsed.error.message.split(' is invalid')[0]} is invalid (${details.length} ${details.length === 1 ? 'problem' : 'problems'}):`,
        { details },
      );
    }
    const namespace = namespaceOf(doc, session, file);
    const metadata = { ...doc.metadata, name: parsed.release.metadata.name, namespace };
    return { body: { ...doc, metadata }, release: parsed.release };
  });
}

/**
 * `rollguard deploy -f FILE`: server-side applies each Release, then with --wait follows each rollout.
 * A dry run of every document comes first, so a field another manager owns changes nothing at all.
 */
export async function deploy(options: DeployOptions, session: Session): Promise<number> {
  const valid = validate(await readDocuments(options.file), session, options.file);
  const apply = { force: options.forceConflicts ?? false };
  for (const { body } of valid) await applyRelease(session, body, { ...apply, dryRun: true });
  const summaries: ChangeSummary[] = [];
  for (const { body } of valid) {
    const since = new Date();
    const before = await findRelease(session, body.metadata.name, body.metadata.namespace);
    const applied = await applyRelease(session, body, apply);
    const action = !before
      ? 'created'
      : before.metadata.generation === applied.metadata.generation
        ? 'unchanged'
        : 'configured';
    const summary = await announceChange(session, applied, {
      action,
      since,
      wait: options.wait,
      timeoutMs: options.timeoutMs,
    });
    summaries.push(summary);
  }
  if (session.out.format !== 'text') session.out.data(summaries.length === 1 ? summaries[0] : summaries);
  const failed = summaries.find((s) => s.outcome && s.outcome.end !== 'Ready');
  const failure = failed?.outcome && rolloutFailure(`release ${failed.namespace}/${failed.name}`, failed.outcome);
  if (failure) throw failure;
  return 0;
}
