import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalConfig } from '../../../src/temporal/client.ts';

// A config file without a default profile keeps a developer's own ~/.config/temporalio/temporal.toml
// out of these tests. (A file with no profile at all makes @temporalio/envconfig 1.24 throw.)
const dir = mkdtempSync(join(tmpdir(), 'rollguard-temporal-'));
const emptyConfig = join(dir, 'empty.toml');
writeFileSync(emptyConfig, '[profile.unused]\naddress = "unused:7233"\n');
const profiles = join(dir, 'temporal.toml');
writeFileSync(
  profiles,
  [
    '[profile.cloud]',
    'address = "rollguard.a1b2c.tmprl.cloud:7233"',
    'namespace = "rollguard.a1b2c"',
    'api_key = "secret"',
    '',
  ].join('\n'),
);

describe('how rollguard finds its Temporal server', () => {
  it('defaults to a local server and the default namespace', () => {
    expect(resolveTemporalConfig({ env: {}, configFile: emptyConfig })).toEqual({
      connectionOptions: { address: 'localhost:7233' },
      namespace: 'default',
    });
  });

  it("reads Temporal's environment variables", () => {
    const env = { TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'releases' };
    expect(resolveTemporalConfig({ env, configFile: emptyConfig })).toEqual({
      connectionOptions: { address: 'temporal.internal:7233' },
      namespace: 'releases',
    });
  });

  it('reads a profile of the Temporal configuration file; an API key turns TLS on', () => {
    expect(resolveTemporalConfig({ env: {}, configFile: profiles, profile: 'cloud' })).toEqual({
      connectionOptions: { address: 'rollguard.a1b2c.tmprl.cloud:7233', apiKey: 'secret', tls: true },
      namespace: 'rollguard.a1b2c',
    });
  });

  it('explicit options win over the environment and the file', () => {
    const env = { TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'releases' };
    const resolved = resolveTemporalConfig({
      env,
      configFile: profiles,
      profile: 'cloud',
      address: '127.0.0.1:7233',
      namespace: 'dev',
    });
    expect(resolved).toMatchObject({ connectionOptions: { address: '127.0.0.1:7233' }, namespace: 'dev' });
  });

  it('names the profile it could not find', () => {
    expect(() => resolveTemporalConfig({ env: {}, configFile: profiles, profile: 'staging' })).toThrow(
      /profile "staging"/,
    );
  });
});
