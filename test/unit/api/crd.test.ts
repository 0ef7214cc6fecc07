import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  chartCrdFile,
  crdVersionAnnotation,
  releaseCrd,
  releaseCrdFile,
  renderReleaseCrd,
} from '../../../src/domain/api/crd.ts';
import { toStructural, type JsonSchema } from '../../../src/domain/api/structural.ts';
import { rollguardVersion } from '../../../src/telemetry/build-info.ts';

const schema = releaseCrd('0.0.0').spec.versions[0]!.schema.openAPIV3Schema;

interface Node {
  path: string;
  node: JsonSchema;
  /** A field of an object, as opposed to a list item or a map value. */
  isField: boolean;
}

/** Every schema node under `root`, with its path in kubectl-explain notation. */
function walk(node: JsonSchema, path = '', isField = false): Node[] {
  const nodes: Node[] = [{ path, node, isField }];
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, child] of Object.entries(properties))
    nodes.push(...walk(child, path ? `${path}.${key}` : key, true));
  if (node.items) nodes.push(...walk(node.items as JsonSchema, `${path}[]`));
  if (typeof node.additionalProperties === 'object')
    nodes.push(...walk(node.additionalProperties as JsonSchema, `${path}{}`));
  return nodes;
}

const nodes = walk(schema);
const pathsWith = (key: string) => nodes.filter(({ node }) => node[key] !== undefined).map(({ path }) => path);

describe('the Release CRD', () => {
  it('is committed exactly as the generator writes it (run `node scripts/generate-crd.ts` after changing src/domain/api)', () => {
    expect(readFileSync(releaseCrdFile, 'utf8')).toBe(renderReleaseCrd(rollguardVersion));
  });

  it("records the version of rollguard it belongs to (package.json's), which `rollguard version` compares", () => {
    const crd = parse(readFileSync(releaseCrdFile, 'utf8'));
    expect(crd.metadata.annotations).toEqual({ [crdVersionAnnotation]: rollguardVersion });
  });

  it("is the same in the Helm chart's crds/ (the generator writes both)", () => {
    expect(readFileSync(chartCrdFile, 'utf8')).toBe(renderReleaseCrd(rollguardVersion));
  });

  it('is a structural schema: a type at every level except int-or-string and preserved pod fields', () => {
    const untyped = nodes.filter(
      ({ node }) =>
        typeof node.type !== 'string' &&
        !node['x-kubernetes-int-or-string'] &&
        !node['x-kubernetes-preserve-unknown-fields'],
    );
    expect(untyped.map((n) => n.path)).toEqual([]);
    for (const key of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'const', 'nullable', 'propertyNames'])
      expect(pathsWith(key)).toEqual([]);
    const mixed = nodes.filter(({ node }) => node.properties !== undefined && node.additionalProperties !== undefined);
    expect(mixed.map((n) => n.path)).toEqual([]);
  });

  it('writes an object without properties as the API server stores it, so a CRD read back equals it', () => {
    const empty = toStructural({ type: 'object', properties: {}, additionalProperties: false } as JsonSchema);
    expect(empty).toEqual({ type: 'object' });
  });

  it('describes every field, so `kubectl explain release.spec` is useful', () => {
    const undescribed = nodes.filter(({ node, isField, path }) => isField && path !== 'metadata' && !node.description);
    expect(undescribed.map((n) => n.path)).toEqual([]);
  });

  it("preserves unknown fields only in the pod spec and a hook's Job spec, which are passed through as written", () => {
    expect(pathsWith('x-kubernetes-preserve-unknown-fields')).toEqual([
      'spec.template.template.spec',
      'spec.template.template.spec.containers[]',
      'spec.hooks.preRollout[].job.template',
      'spec.hooks.postRollout[].job.template',
      'spec.hooks.onRollback[].job.template',
    ]);
  });

  it('takes a number or a name where Kubernetes does', () => {
    expect(pathsWith('x-kubernetes-int-or-string')).toEqual([
      'spec.template.strategy.rollingUpdate.maxSurge',
      'spec.template.strategy.rollingUpdate.maxUnavailable',
      'spec.healthChecks.http[].port',
    ]);
  });

  it('carries the cross-field rules as CEL, each with a message', () => {
    const rules = nodes.flatMap(({ path, node }) =>
      ((node['x-kubernetes-validations'] ?? []) as { rule: string; message?: string }[]).map((r) => ({ path, ...r })),
    );
    expect(rules.every((r) => r.message)).toBe(true);
    expect(rules.map((r) => r.path)).toEqual(
      expect.arrayContaining(['spec.template', 'spec.healthChecks.http[]', 'spec.healthChecks.prometheus[]']),
    );
    expect(rules.find((r) => r.path === 'spec.template')?.rule).toMatch(/selector\.matchLabels\.all/);
    expect(rules.filter((r) => r.path === 'spec.strategy.canary').map((r) => r.rule)).toEqual([
      'self.steps.exists(s, has(s.setWeight) && s.setWeight > 0)',
      'self.steps.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()',
    ]);
  });

  it('bounds every list, so the API server can bound the cost of CEL rules', () => {
    const unbounded = nodes.filter(({ node }) => node.type === 'array' && node.maxItems === undefined);
    expect(unbounded.map((n) => n.path)).toEqual([]);
  });

  it('serves Releases with status and scale subresources, a short name and the printer columns', () => {
    const crd = parse(readFileSync(releaseCrdFile, 'utf8'));
    expect(crd.spec.names).toMatchObject({ kind: 'Release', plural: 'releases', shortNames: ['rel'] });
    expect(crd.spec.scope).toBe('Namespaced');
    const [version] = crd.spec.versions;
    // /scale lets an HPA (or `kubectl scale release`) scale the Release: replicas are not part of a revision.
    expect(version.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: '.spec.template.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual([
      'Phase',
      'Current',
      'Stable',
      'Step',
      'Weight',
      'Age',
    ]);
  });

  it('cannot be generated from a schema shape Kubernetes cannot represent', () => {
    const either = z.union([z.object({ url: z.string() }), z.object({ port: z.int() })]);
    const jsonSchema = z.toJSONSchema(z.object({ target: either }), {
      io: 'input',
      target: 'openapi-3.0',
    }) as JsonSchema;
    expect(() => toStructural(jsonSchema)).toThrow(/\.target: "anyOf" cannot be expressed/);
  });
});
