/** The Temporal Web UI: TEMPORAL_UI_URL, else the dev server's default. */
export function temporalUiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/+$/, '');
}

/** The page of a workflow in the Temporal Web UI (its latest run). */
export function workflowUrl(
  temporalNamespace: string,
  workflowId: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return `${temporalUiUrl(env)}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The Temporal UI's workflow list filtered by a visibility query, e.g. `ReleaseName="web"`. */
export function workflowSearchUrl(
  temporalNamespace: string,
  query: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return `${temporalUiUrl(env)}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows?query=${encodeURIComponent(query)}`;
}
