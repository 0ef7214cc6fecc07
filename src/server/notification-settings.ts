import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { fieldPath } from '../domain/api/release.ts';
import { operatorNotificationsSchema } from '../domain/api/notifications.ts';
import type { SinkTarget } from '../domain/release/notifications.ts';

/**
 * Reads the operator-wide notification sinks (YAML or JSON). Throws an error naming the file and
 * each bad field; the file holds Secret references only, never a URL or a token.
 */
export async function readOperatorSinks(file: string): Promise<SinkTarget[]> {
  let raw: unknown;
  try {
    raw = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`notification settings ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = operatorNotificationsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ');
    throw new Error(`notification settings ${file} are invalid: ${problems}`);
  }
  const { secretNamespace, sinks } = parsed.data;
  return sinks.map((sink) => ({ ...sink, secretNamespace, operator: true }));
}
