import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { recordedPid } from './cluster-components.ts';
import { clusterDir, recorded } from './cluster.ts';
import { dataDir } from './paths.ts';
import { type PortName, ports } from './ports.ts';
import { runningPid } from './process.ts';
import { clusterDaemons, serviceDaemon, type TemporalService, temporalServices } from './temporal-cluster.ts';

/** The servers the stack records by pid in .data/pids/, with the ports each listens on. */
const daemons: { name: string; ports: PortName[] }[] = [
  { name: 'temporal', ports: ['temporal', 'temporalUi'] },
  ...(Object.keys(temporalServices) as TemporalService[]).map((service) => ({
    name: serviceDaemon(service),
    ports: [temporalServices[service].grpc, temporalServices[service].membership],
  })),
  { name: 'temporal-ui', ports: ['temporalUi'] },
  { name: 'postgres', ports: ['postgres'] },
  { name: 'prometheus', ports: ['prometheus'] },
];

/** Which profile's Temporal runs from this data directory, if any. */
function runningProfile(): string {
  if (clusterDaemons.some((name) => runningPid(name) !== undefined)) return 'cluster';
  if (runningPid('temporal') !== undefined) return 'dev';
  return 'none';
}

/**
 * `npm run stack:status`: each server of the stack, running (with the pid it was started as) or
 * not, from what the stack recorded; the servers of the profile that is not running are left out.
 */
export async function stackStatus(): Promise<string> {
  const profile = runningProfile();
  const lines = [`data: ${dataDir}`, `Temporal: ${profile === 'none' ? 'not running' : `${profile} profile`}`];
  for (const daemon of daemons) {
    const pid = runningPid(daemon.name);
    const ofOtherProfile =
      (profile === 'cluster' && daemon.name === 'temporal') ||
      (profile === 'dev' && clusterDaemons.includes(daemon.name));
    if (pid === undefined && ofOtherProfile) continue;
    const where = daemon.ports.map((name) => ports[name]).join(', ');
    lines.push(`  ${daemon.name.padEnd(24)} ${pid === undefined ? 'stopped' : `running, pid ${pid}`} (${where})`);
  }
  if (existsSync(join(clusterDir, 'kwok.yaml'))) {
    for (const component of await recorded()) {
      const pid = recordedPid(clusterDir, component);
      const where = component.ports.map(({ port }) => port).join(', ');
      lines.push(`  ${component.name.padEnd(24)} ${pid === undefined ? 'stopped' : `running, pid ${pid}`} (${where})`);
    }
  } else lines.push('  kwok cluster             not created');
  return lines.join('\n');
}
