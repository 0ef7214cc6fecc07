import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * The cluster tests' own stack, in the cluster profile (the real Temporal server on PostgreSQL):
 * every port and the data directory moved clear of the default stack (7233...) and the fault stack
 * (27233...), all below 32768, where Linux picks no ephemeral ports (the services hold many
 * connections to PostgreSQL) and where Temporal's PostgreSQL schema can store a membership port.
 */
export const clusterStackEnv = {
  ROLLGUARD_STACK_PROFILE: 'cluster',
  ROLLGUARD_TEMPORAL_PORT: '22233',
  ROLLGUARD_TEMPORAL_UI_PORT: '22280',
  ROLLGUARD_PROMETHEUS_PORT: '22290',
  ROLLGUARD_KUBE_APISERVER_PORT: '22443',
  ROLLGUARD_ETCD_PORT: '22444',
  ROLLGUARD_ETCD_PEER_PORT: '22445',
  ROLLGUARD_KUBE_CONTROLLER_MANAGER_PORT: '22446',
  ROLLGUARD_KUBE_SCHEDULER_PORT: '22447',
  ROLLGUARD_KWOK_CONTROLLER_PORT: '22448',
  ROLLGUARD_TEMPORAL_FRONTEND_MEMBERSHIP_PORT: '22234',
  ROLLGUARD_TEMPORAL_HISTORY_PORT: '22235',
  ROLLGUARD_TEMPORAL_HISTORY_MEMBERSHIP_PORT: '22236',
  ROLLGUARD_TEMPORAL_MATCHING_PORT: '22237',
  ROLLGUARD_TEMPORAL_MATCHING_MEMBERSHIP_PORT: '22238',
  ROLLGUARD_TEMPORAL_WORKER_PORT: '22239',
  ROLLGUARD_TEMPORAL_WORKER_MEMBERSHIP_PORT: '22240',
  ROLLGUARD_POSTGRES_PORT: '22241',
  ROLLGUARD_POD_READY_DELAY_MS: '1000',
  ROLLGUARD_DATA_DIR: join(repoRoot, '.data', 'cluster-tests'),
};
