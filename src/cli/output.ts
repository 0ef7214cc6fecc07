import { styleText } from 'node:util';
import { stringify } from 'yaml';
import { UsageError } from './errors.ts';

export const outputFormats = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export function outputFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'text';
  if (!(outputFormats as readonly string[]).includes(format)) {
    throw new UsageError(`-o ${format} is not an output format; use one of: ${outputFormats.join(', ')}`);
  }
  return format as OutputFormat;
}

/** How text is highlighted: colours on a terminal, nothing in a pipe, a file or under NO_COLOR. */
export interface Style {
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const plainStyle: Style = { good: (t) => t, bad: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t };

/** Colours only when `stream` is a terminal that takes them (styleText checks isTTY, NO_COLOR, TERM=dumb). */
export function styleFor(stream: NodeJS.WritableStream): Style {
  const colour = (format: Parameters<typeof styleText>[0]) => (text: string) =>
    styleText(format, text, { stream, validateStream: true });
  if (process.env.NO_COLOR) return plainStyle; // NO_COLOR wins even over FORCE_COLOR
  return {
    good: colour('green'),
    bad: colour('red'),
    warn: colour('yellow'),
    dim: colour('dim'),
    bold: colour('bold'),
  };
}

/** Where a command writes: text for people, or the same data as JSON or YAML for scripts. */
export interface Output {
  format: OutputFormat;
  style: Style;
  /** Writes lines of text (text format). */
  line(...lines: string[]): void;
  /** Writes a value as JSON or YAML (the structured formats). */
  data(value: unknown): void;
  /** Progress and notes for people: stderr, so stdout stays parseable. */
  note(text: string): void;
  /** True when stdout is a terminal, where a watched view is redrawn in place. */
  interactive: boolean;
  /** Writes raw text to stdout (cursor movement for redraws). */
  raw(text: string): void;
}

export function processOutput(format: OutputFormat): Output {
  return streamOutput(format, process.stdout, process.stderr);
}

export function streamOutput(
  format: OutputFormat,
  stdout: NodeJS.WritableStream & { isTTY?: boolean },
  stderr: NodeJS.WritableStream,
): Output {
  const style = styleFor(stdout);
  return {
    format,
    style,
    interactive: Boolean(stdout.isTTY),
    line: (...lines) => void stdout.write(`${lines.join('\n')}\n`),
    data: (value) =>
      void stdout.write(
        format === 'yaml' ? `---\n${stringify(value, { lineWidth: 0 })}` : `${JSON.stringify(value, null, 2)}\n`,
      ),
    note: (text) => void stderr.write(`${text}\n`),
    raw: (text) => void stdout.write(text),
  };
}
