import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields every log line written within a piece of work carries (the Release, its revision, the
 * workflow id, the rollback id), without passing them to each call: the worker sets them around each
 * activity it runs.
 */
type LogFields = Record<string, unknown>;
const storage = new AsyncLocalStorage<LogFields>();

export const currentLogContext = (): LogFields | undefined => storage.getStore();

export const withLogContext = <T>(fields: LogFields, run: () => T): T =>
  storage.run({ ...storage.getStore(), ...fields }, run);
