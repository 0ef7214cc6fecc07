import { ApiException } from '@kubernetes/client-node';
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { apiMessage, apiRefusal, type ApiRefusal } from '../kube/errors.ts';
import { isUnreachable } from '../kube/network-errors.ts';
import { TemporalConnectError } from '../temporal/client.ts';
import { CliError, ExitCode, NotFoundError, UnreachableError, UsageError } from './errors.ts';

/** Where the CLI was talking to, so an error can say so. */
export interface Endpoints {
  kubernetes?: string | undefined;
  temporal?: string | undefined;
}

/** The network error under a failed fetch ("fetch failed" says nothing by itself). */
function networkCause(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && isUnreachable(e.code))
      return typeof e.message === 'string' && e.message ? e.message : e.code;
    if (typeof e.code === 'string' && e.code.startsWith('ERR_TLS')) return String(e.message);
    if (e.cause === e) break;
  }
  return undefined;
}

const firstLine = (text: string): string => text.split('\n')[0]?.trim() ?? '';

function fromKube(err: ApiException<unknown>, kubernetes: string): CliError {
  const status = apiRefusal(err) as ApiRefusal;
  // A body that is not a Status object still says something ("404 page not found").
  const message = status.text || status.message;
  if (err.code === 401 || err.code === 403) {
    return new UnreachableError(
      `Kubernetes at ${kubernetes} refused the request (${err.code}): ${message}; check the credentials of your kubeconfig context`,
      { cause: err },
    );
  }
  if (err.code === 404) return new NotFoundError(message, { cause: err });
  if (err.code === 422 || err.code === 400) {
    const details = status.causes.map((c) => `${c.field || '(object)'}: ${c.message}`);
    return new UsageError(
      details.length > 0 ? 'the API server refused the Release:' : `the API server refused the Release: ${message}`,
      { details, cause: err },
    );
  }
  return new CliError(`Kubernetes refused the request: ${apiMessage(err)}`, ExitCode.Failed, { cause: err });
}

/** Turns any error into a CliError whose message is one line saying what went wrong. */
export function classify(err: unknown, endpoints: Endpoints = {}): CliError {
  if (err instanceof CliError) return err;
  const kubernetes = endpoints.kubernetes ?? 'the cluster';
  const temporal = endpoints.temporal ?? 'the configured address';
  if (err instanceof TemporalConnectError) return new UnreachableError(firstLine(err.message), { cause: err });
  if (err instanceof ApiException) return fromKube(err, kubernetes);
  if (err instanceof WorkflowNotFoundError) {
    return new NotFoundError(
      `the workflow was not found in Temporal at ${temporal}: is \`rollguard run\` running against this Temporal namespace?`,
      { cause: err },
    );
  }
  if (err instanceof ServiceError) {
    return new UnreachableError(
      `Temporal at ${temporal} failed the request: ${firstLine(err.cause?.message ?? err.message)}`,
      { cause: err },
    );
  }
  const network = networkCause(err);
  if (network !== undefined) {
    return new UnreachableError(
      `cannot reach Kubernetes at ${kubernetes}: ${network}; check KUBECONFIG, --kubeconfig and --context`,
      { cause: err },
    );
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    return new UsageError(firstLine((err as Error).message), { cause: err });
  const message = err instanceof Error ? firstLine(err.message) || err.name : String(err);
  return new CliError(message, ExitCode.Failed, { cause: err });
}
