import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * The fault tests' own stack: every port and the data directory moved (docs/development.md), so
 * that killing its Temporal server or stopping its kube-apiserver disturbs no other test and no
 * developer's stack. Every port variable of the dev profile (dev/stack/ports.ts) is set, so a port a
 * developer moved in their shell is never shared with the default stack.
 */
export const faultStackEnv = {
  ROLLGUARD_TEMPORAL_PORT: '27233',
  ROLLGUARD_TEMPORAL_UI_PORT: '28233',
  ROLLGUARD_PROMETHEUS_PORT: '29090',
  ROLLGUARD_KUBE_APISERVER_PORT: '26443',
  ROLLGUARD_ETCD_PORT: '26444',
  ROLLGUARD_ETCD_PEER_PORT: '26445',
  ROLLGUARD_KUBE_CONTROLLER_MANAGER_PORT: '26446',
  ROLLGUARD_KUBE_SCHEDULER_PORT: '26447',
  ROLLGUARD_KWOK_CONTROLLER_PORT: '26448',
  ROLLGUARD_POD_READY_DELAY_MS: '1000',
  ROLLGUARD_DATA_DIR: join(repoRoot, '.data', 'faults'),
};
