import { NativeConnection, Worker } from '@temporalio/worker';
import { parseArgs } from 'node:util';

/**
 * A Temporal worker with nothing of rollguard's: the SDK, a one-line workflow bundled ahead of time,
 * one activity. With --kube-client SPECIFIER it also loads the Kubernetes client, as rollguard's worker does:
 * the package's entry (`@kubernetes/client-node`) or the module `npm run build` bundles it into.
 * Started by bench/worker-floor.ts, which weighs it; it says "polling" once its worker runs.
 *
 *   node bench/floor/worker.ts --address HOST:PORT --namespace NS --task-queue Q --bundle FILE [--kube-client SPECIFIER]
 */
const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    'task-queue': { type: 'string' },
    bundle: { type: 'string' },
    'kube-client': { type: 'string' },
  },
});
if (!values.address || !values['task-queue'] || !values.bundle) {
  console.error('worker.ts needs --address, --task-queue and --bundle');
  process.exit(2);
}
if (values['kube-client']) await import(values['kube-client']);
const connection = await NativeConnection.connect({ address: values.address });
const worker = await Worker.create({
  connection,
  namespace: values.namespace,
  taskQueue: values['task-queue'],
  workflowBundle: { codePath: values.bundle },
  activities: { noop: async () => undefined },
});
process.once('SIGTERM', () => worker.shutdown());
console.log('polling');
await worker.run();
await connection.close();
