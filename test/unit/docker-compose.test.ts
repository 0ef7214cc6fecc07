import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/stack/paths.ts';
import { defaultPorts as ports } from '../../dev/stack/ports.ts';
import { searchAttributes, searchAttributeSpec } from '../../src/workflows/search-attributes.ts';

interface Service {
  image: string;
  ports?: string[];
  command?: string[];
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

describe('docker-compose.yml offers what the local stack does', () => {
  it.each([
    ['temporal', ports.temporal, 7233],
    ['temporal-ui', ports.temporalUi, 8080],
    ['prometheus', ports.prometheus, 9090],
  ])('publishes %s on loopback port %i', (name, hostPort, containerPort) => {
    expect(service(name).ports).toContain(`127.0.0.1:${hostPort}:${containerPort}`);
  });

  it('registers exactly the search attributes Release workflows set', () => {
    const args = service('temporal-search-attributes').command ?? [];
    const registered = args
      .filter((arg) => arg.startsWith('--name='))
      .map(
        (arg, i) =>
          `${arg.slice('--name='.length)}=${args.filter((a) => a.startsWith('--type='))[i]?.slice('--type='.length)}`,
      );
    expect(registered.sort()).toEqual(searchAttributes.map(searchAttributeSpec).sort());
  });

  it('pins every image to a version', () => {
    for (const [name, { image }] of Object.entries(compose.services)) {
      expect(image, name).toMatch(/:[^:]*\d[^:]*$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
  });
});
