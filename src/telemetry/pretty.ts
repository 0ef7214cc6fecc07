/**
 * One JSON log line as a person reads it on a terminal: `12:04:05 INFO  message  key=value ...`,
 * a stack trace on lines of its own. rollguard's own small formatter, so the image carries no
 * pretty-printer it never uses.
 */
const colours: Record<string, string> = { debug: '\x1b[2m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const reset = '\x1b[0m';

function flatten(prefix: string, value: unknown, out: string[], stacks: string[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'stack' && typeof item === 'string') stacks.push(item);
      else flatten(prefix ? `${prefix}.${key}` : key, item, out, stacks);
    }
    return;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  out.push(`${prefix}=${typeof value === 'string' && /[\s"=]/.test(text) ? JSON.stringify(text) : text}`);
}

export function prettyLine(line: string, { colour = process.env.NO_COLOR === undefined } = {}): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, ...fields } = entry;
  const label = typeof level === 'string' ? level : 'info';
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const shown = label.toUpperCase().padEnd(5);
  const pairs: string[] = [];
  const stacks: string[] = [];
  flatten('', fields, pairs, stacks);
  const head = `${clock} ${colour ? `${colours[label] ?? ''}${shown}${reset}` : shown} ${typeof msg === 'string' ? msg : ''}`;
  return [
    pairs.length ? `${head}  ${pairs.join(' ')}` : head,
    ...stacks.map((s) => `    ${s.replace(/\n/g, '\n    ')}`),
  ].join('\n');
}
