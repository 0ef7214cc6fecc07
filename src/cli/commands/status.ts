import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.ts';
import { releaseRow, renderReleaseTable } from '../format/release-table.ts';
import { renderStatus, statusDocument } from '../format/status.ts';
import { loadView } from '../release-view.ts';
import { listReleases, readRelease } from '../releases.ts';
import type { Session } from '../session.ts';

export interface StatusOptions {
  /** One Release in detail; all of the namespace as a table when absent. */
  release?: string;
  allNamespaces: boolean;
  /** Keep showing it, redrawn as it changes, until Ctrl-C. */
  watch: boolean;
  intervalMs: number;
}

/** One look: the lines for people and the document for scripts. */
async function look(options: StatusOptions, session: Session): Promise<{ lines: string[]; document: unknown }> {
  const { style } = session.out;
  if (options.release) {
    const view = await loadView(session, await readRelease(session, options.release));
    return { lines: renderStatus(view, style), document: statusDocument(view) };
  }
  const rows = (await listReleases(session, { allNamespaces: options.allNamespaces })).map(releaseRow);
  if (rows.length === 0) {
    const where = options.allNamespaces ? 'any namespace' : `namespace "${session.namespace}"`;
    return { lines: [`no Releases in ${where}`], document: { items: [] } };
  }
  return {
    lines: renderReleaseTable(rows, { allNamespaces: options.allNamespaces, style }),
    document: { items: rows },
  };
}

/** `rollguard status [RELEASE] [--watch]`. */
export async function status(options: StatusOptions, session: Session): Promise<number> {
  if (options.release && options.allNamespaces)
    throw new UsageError('-A lists every namespace; name a Release with -n NAMESPACE instead');
  const { out } = session;
  let previous = '';
  for (;;) {
    const { lines, document } = await look(options, session);
    if (!options.watch) {
      if (out.format === 'text') out.line(...lines);
      else out.data(document);
      return 0;
    }
    // A terminal is redrawn every time (ages move on); a pipe gets a new block only when something changed.
    const key = JSON.stringify(document);
    if (out.format === 'text' && out.interactive) {
      out.raw(
        `\x1b[H\x1b[2J${lines.join('\n')}\n\n${out.style.dim(`every ${options.intervalMs / 1000}s; Ctrl-C to stop`)}\n`,
      );
    } else if (key !== previous) {
      if (out.format === 'json')
        out.line(key); // one document per line, as `kubectl get -w -o json` streams
      else if (out.format === 'yaml')
        out.data(document); // a YAML stream, one document per change
      else out.line(...(previous ? ['', ...lines] : lines));
    }
    previous = key;
    await sleep(options.intervalMs);
  }
}
