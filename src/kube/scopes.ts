/**
 * One watch per namespace served, or one of the whole cluster when none are named: what serving a
 * few namespaces needs (RBAC there only), and what serving all costs least.
 */
export interface Scopes<T> {
  /** The watch that covers a namespace; undefined for a namespace not served. */
  of(namespace: string): T | undefined;
  all: T[];
}

/** Starts one `T` per namespace (or one for all, given undefined) and finds the one for a namespace. */
export async function perNamespace<T>(
  namespaces: string[],
  start: (namespace: string | undefined) => Promise<T>,
): Promise<Scopes<T>> {
  const scopes = await Promise.all(
    (namespaces.length > 0 ? namespaces : [undefined]).map(async (namespace) => ({
      namespace,
      watch: await start(namespace),
    })),
  );
  return {
    of: (namespace) => scopes.find((s) => s.namespace === undefined || s.namespace === namespace)?.watch,
    all: scopes.map((s) => s.watch),
  };
}
