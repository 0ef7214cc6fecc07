import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseRelease } from '../../../src/domain/api/index.ts';
import { type RouteRule, weighBackendRefs } from '../../../src/domain/release/route-weights.ts';

/** The examples people copy: every Release in them is valid, and the objects its strategy names are beside it. */
const dir = new URL('../../../deploy/examples/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

interface Doc {
  kind?: string;
  metadata?: { name?: string };
  spec?: { selector?: Record<string, string>; rules?: RouteRule[] };
}

describe.each(files)('deploy/examples/%s', (file) => {
  const docs = parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJS() as Doc);
  const named = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);

  it('holds valid Releases whose Services and HTTPRoute are in the same file', () => {
    for (const doc of docs.filter((d) => d.kind === 'Release')) {
      const parsed = parseRelease(doc);
      if (!parsed.ok) throw parsed.error;
      const { strategy, template } = parsed.release.spec;
      const labels = template.selector.matchLabels;
      const services = [
        strategy?.blueGreen?.activeService,
        strategy?.blueGreen?.previewService,
        strategy?.canary?.trafficRouting?.gatewayAPI.stableService,
        strategy?.canary?.trafficRouting?.gatewayAPI.canaryService,
      ].filter((s) => s !== undefined);
      // Each Service selects the Release's pods, as rollguard expects before it narrows them.
      for (const service of services) expect(named('Service', service)?.spec?.selector).toEqual(labels);
      const gateway = strategy?.canary?.trafficRouting?.gatewayAPI;
      if (gateway) {
        const route = named('HTTPRoute', gateway.httpRoute);
        expect(route).toBeDefined();
        const weighed = weighBackendRefs(route?.spec?.rules ?? [], gateway, { stable: 90, canary: 10 }, 'default');
        expect(weighed).not.toHaveProperty('problem');
      }
    }
  });
});
