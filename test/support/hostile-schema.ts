import fc from 'fast-check';
import { releaseCrd } from '../../src/domain/api/crd.ts';
import type { JsonSchema } from '../../src/domain/api/structural.ts';

/**
 * Mutations of a valid Release that break one field at a time, derived from the Release CRD's
 * OpenAPI schema (itself generated from the zod schema): for every field the schema declares, values
 * of the wrong type, out of range, too long, off-pattern, odd unicode, unknown enum members, unknown
 * sibling fields, the field left out. Pod specs and containers are free-form in the CRD, so what
 * breaks them comes from the Deployment's own rules (podSpecBreakers).
 */

export type Segment = string | number;

export interface Mutation {
  path: Segment[];
  /** What kind of damage, e.g. "above maximum", "unknown field". */
  kind: string;
  /** The value written at path; absent means the field is left out. */
  value?: unknown;
  remove?: true;
  /** Merge value (an object) into what is there instead of replacing it. */
  merge?: true;
}

/** A number the JSON encoder writes as written: int64 max, or past float64 (JSON.rawJSON, Node 21+). */
const rawNumber = (text: string): unknown => (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
export const int64Max = (): unknown => rawNumber('9223372036854775807');

/** Strings a careless or hostile author writes: direction overrides, zero-width, NUL, emoji, combining marks. */
const oddUnicode = fc.oneof(
  fc.constantFrom(
    '\u202eevil',
    'zero\u200bwidth',
    '😀',
    'Ωmega',
    'a\u0000b',
    '\ufeffbom',
    'é',
    'e\u0301',
    'line\nbreak',
    '\t',
    ' ',
    '',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
);

const badDurations = fc.constantFrom(
  '0s',
  '-5s',
  '1.5s',
  '5 minutes',
  '1d',
  '',
  's',
  '10S',
  '1h30m',
  '999999999999999h',
  '1e3s',
  ' 5s',
  '5s ',
  '٣s',
  '0x10s',
  '05s',
);

const unknownKeys = fc.constantFrom(
  'foo',
  'replica',
  'Selector',
  'templates',
  'x-extra',
  'kind',
  'status',
  'metadata',
  'spec',
  'ßpec',
);

const everyType: unknown[] = ['text', 42, 1.5, true, [], {}];

function typeOfJson(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value === 'number' ? 'number' : typeof value;
}

/** Values of every JSON type the field's schema does not accept. */
function wrongTypes(node: JsonSchema): fc.Arbitrary<unknown> {
  const accepts = (v: unknown): boolean => {
    const t = typeOfJson(v);
    if (node['x-kubernetes-int-or-string']) return t === 'integer' || t === 'string';
    if (node.type === 'number') return t === 'number' || t === 'integer';
    return t === node.type;
  };
  return fc.constantFrom(...everyType.filter((v) => !accepts(v)));
}

const longString = (from: number, to: number) => fc.integer({ min: from, max: to }).map((n) => 'x'.repeat(n));

type Choice = fc.Arbitrary<Mutation>;
const at = (path: Segment[], kind: string, values: fc.Arbitrary<unknown>): Choice =>
  values.map((value) => ({ path, kind, value }));
const removed = (path: Segment[], kind: string): Choice => fc.constant({ path, kind, remove: true });

function stringChoices(path: Segment[], node: JsonSchema): Choice[] {
  const choices: Choice[] = [at(path, 'odd unicode', oddUnicode)];
  const max = node.maxLength as number | undefined;
  if (max !== undefined) choices.push(at(path, 'too long', longString(max + 1, max + 200)));
  choices.push(
    at(
      path,
      'huge',
      fc.constantFrom(200_000, 300_000).map((n) => 'y'.repeat(n)),
    ),
  );
  if (typeof node.pattern === 'string') {
    const pattern = new RegExp(node.pattern);
    if (node.pattern.includes('(ms|s|m|h)')) choices.push(at(path, 'bad duration', badDurations));
    else
      choices.push(
        at(
          path,
          'off pattern',
          fc
            .constantFrom(
              '',
              'UPPER case',
              '-leading',
              'trailing-',
              '../..',
              'a b',
              'ftp://x',
              '//x',
              'http://',
              'x'.repeat(5),
            )
            .filter((v) => !pattern.test(v)),
        ),
      );
  }
  if (Array.isArray(node.enum)) {
    const members = node.enum as string[];
    choices.push(
      at(
        path,
        'not in enum',
        fc
          .constantFrom('', 'Other', ...members.map((m) => m.toLowerCase()), ...members.map((m) => m.toUpperCase()))
          .filter((v) => !members.includes(v)),
      ),
    );
  }
  return choices;
}

function numberChoices(path: Segment[], node: JsonSchema): Choice[] {
  const choices: Choice[] = [at(path, 'past float64', fc.constant(rawNumber('1e400')))];
  const min = node.minimum as number | undefined;
  const max = node.maximum as number | undefined;
  if (node.type === 'integer' || node['x-kubernetes-int-or-string']) {
    choices.push(at(path, 'fraction', fc.constantFrom(1.5, 0.1, -0.5)));
    choices.push(at(path, 'int64 max', fc.constant(int64Max())));
  }
  if (min !== undefined)
    choices.push(
      at(path, 'below minimum', fc.oneof(fc.integer({ min: min - 1000, max: min - 1 }), fc.constant(-1e30))),
    );
  if (max !== undefined)
    choices.push(
      at(
        path,
        'above maximum',
        fc.oneof(fc.integer({ min: max + 1, max: max + 1_000_000 }), fc.constant(1e30), fc.constant(2 ** 53)),
      ),
    );
  if (node.type === 'number')
    choices.push(at(path, 'extreme but valid', fc.constantFrom(1e308, -1e308, Number.MIN_VALUE)));
  return choices;
}

function intOrStringChoices(path: Segment[]): Choice[] {
  return [
    at(path, 'negative', fc.integer({ min: -1_000_000, max: -1 })),
    at(path, 'off pattern', fc.constantFrom('lots', '25', '-5%', '1.5%', '%', '25 %', '100000000%', '0x10')),
  ];
}

function objectChoices(path: Segment[], node: JsonSchema, present: boolean): Choice[] {
  const choices: Choice[] = [];
  const properties = Object.keys((node.properties as JsonSchema | undefined) ?? {});
  if (
    present &&
    !node['x-kubernetes-preserve-unknown-fields'] &&
    (properties.length > 0 || !node.additionalProperties)
  ) {
    choices.push(
      unknownKeys
        .filter((k) => !properties.includes(k))
        .map((key) => ({ path: [...path, key], kind: 'unknown field', value: 'surprise' })),
    );
  }
  for (const key of (node.required as string[] | undefined) ?? [])
    choices.push(removed([...path, key], 'missing required field'));
  const values = node.additionalProperties as JsonSchema | undefined;
  if (values) {
    // A map (labels, annotations): hostile keys, values and sizes.
    const keys = fc.constantFrom('bad key!', '', 'a/b/c', 'é', 'k'.repeat(64), `${'d'.repeat(254)}/k`, '-x', '/x');
    choices.push(keys.map((key) => ({ path, kind: 'bad key', value: { [key]: 'v' }, merge: true })));
    if (values.type === 'string')
      choices.push(
        at(
          [...path, 'hostile'],
          'bad value',
          fc.oneof(oddUnicode, longString(64, 300), fc.constantFrom(42, true, null)),
        ),
      );
    const maxProps = node.maxProperties as number | undefined;
    if (maxProps !== undefined)
      choices.push(
        at(
          path,
          'too many entries',
          fc
            .integer({ min: maxProps + 1, max: maxProps + 40 })
            .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))),
        ),
      );
    if (node.minProperties) choices.push(at(path, 'empty map', fc.constant({})));
  }
  return choices;
}

function arrayChoices(path: Segment[], node: JsonSchema, current: unknown): Choice[] {
  const choices: Choice[] = [];
  const items = Array.isArray(current) ? current : [];
  if (node.minItems) choices.push(at(path, 'empty list', fc.constant([])));
  if (items.length > 0) {
    choices.push(at(path, 'duplicate item', fc.constant([...items, structuredClone(items[0])])));
    const max = node.maxItems as number | undefined;
    if (max !== undefined) {
      const renamed = (i: number) => ({ ...(items[0] as object), name: `item-${i}` });
      choices.push(
        at(
          path,
          'too many items',
          fc.integer({ min: max + 1, max: max + 8 }).map((n) => Array.from({ length: n }, (_, i) => renamed(i))),
        ),
      );
    }
  }
  return choices;
}

/** Deployment pod-spec rules the CRD cannot see: what rollguard's admission dry run must catch. */
const podSpecBreakers: Choice = fc.oneof(
  at(
    ['containers', 0, 'name'],
    'bad container name',
    fc.constantFrom('App_1', 'UPPER', '-x', 'x-', 'a.b', 'é', 'x'.repeat(64)),
  ),
  at(
    ['containers', 0, 'ports', 0, 'containerPort'],
    'port out of range',
    fc.oneof(fc.integer({ min: 65_536, max: 10_000_000 }), fc.integer({ min: -1000, max: 0 })),
  ),
  at(['containers', 0, 'ports', 0, 'containerPort'], 'port as text', fc.constantFrom('eighty', '8080', '')),
  at(['containers', 0, 'imagePullPolicy'], 'unknown pull policy', fc.constantFrom('Sometimes', 'always', '')),
  at(
    ['containers', 0, 'resources'],
    'bad quantity',
    fc.constantFrom('lots', '-1', '1.2.3', '1e999', '').map((cpu) => ({ limits: { cpu } })),
  ),
  at(
    ['containers', 0, 'env'],
    'bad env var',
    fc.constantFrom('', 'a=b', '1 bad=name').map((name) => [{ name, value: 'x' }]),
  ),
  at(['containers', 0, 'command'], 'command as text', fc.constant('sh -c run')),
  at(['containers', 0, 'livenessProbe'], 'probe without handler', fc.constant({ periodSeconds: 5 })),
  at(['restartPolicy'], 'restart policy a Deployment refuses', fc.constantFrom('Never', 'OnFailure', 'always')),
  at(['hostNetwork'], 'boolean as text', fc.constantFrom('yes', 'true', 1)),
  at(['terminationGracePeriodSeconds'], 'negative grace period', fc.integer({ min: -100_000, max: -1 })),
  at(['dnsPolicy'], 'unknown DNS policy', fc.constantFrom('Sometimes', 'default', '')),
  at(
    ['volumes'],
    'bad volume name',
    fc.constantFrom('Bad_Vol', '', 'x'.repeat(64)).map((name) => [{ name, emptyDir: {} }]),
  ),
  at(['tolerations'], 'list as map', fc.constant({ key: 'x' })),
  at(['securityContext'], 'user as text', fc.constant({ runAsUser: 'root' })),
  fc
    .tuple(
      fc.constantFrom<Segment[]>([], ['containers', 0]),
      fc.constantFrom(
        'imagee',
        'imag',
        'Image',
        'commands',
        'nodeSelectr',
        'restartpolicy',
        'volumeMount',
        'containres',
        'ports ',
        'selector',
        'type',
      ),
    )
    .map(([where, key]) => ({ path: [...where, key], kind: 'misspelled or foreign field', value: 'x' })),
);

const podSpecPath: Segment[] = ['spec', 'template', 'template', 'spec'];

/** ObjectMeta of the Release itself, which the CRD leaves to the API server. */
function metadataChoices(): Choice[] {
  return [
    at(['metadata', 'name'], 'bad name', fc.constantFrom('Upper', 'a_b', 'é', '-a', 'a.', 'x'.repeat(254))),
    at(
      ['metadata', 'labels'],
      'bad label',
      fc.constantFrom({ 'bad key!': 'v' }, { k: 'bad value!' }, { k: 'v'.repeat(64) }),
    ),
    at(['metadata', 'annotations'], 'huge annotation', fc.constant({ 'example.com/big': 'z'.repeat(300_000) })),
    at(
      ['metadata', 'annotations'],
      'malformed rollback request',
      fc.constantFrom(
        { 'rollguard.dev/rollback-to': 'yesterday' },
        { 'rollguard.dev/rollback-to': '-1' },
        { 'rollguard.dev/rollback-to': '99' },
      ),
    ),
    at(['metadata', 'bogus'], 'unknown field', fc.constant('x')),
    at(['status'], 'status written by the author', fc.constant({ phase: 'Ready', stableRevision: 7 })),
  ];
}

/** Every way to break one field of `base` that the schema (or the Deployment's rules) defines. */
export function mutationChoices(base: object): Choice[] {
  const spec = (releaseCrd('0.0.0').spec.versions[0]!.schema.openAPIV3Schema.properties as JsonSchema)
    .spec as JsonSchema;
  const choices: Choice[] = [...metadataChoices()];

  const walk = (node: JsonSchema, path: Segment[], current: unknown, present: boolean): void => {
    if (path.length > 1) {
      choices.push(at(path, 'wrong type', wrongTypes(node)));
      if (present) choices.push(at(path, 'null', fc.constant(null)));
      if (present && !isRequired(spec, path)) choices.push(removed(path, 'left out'));
    }
    if (node['x-kubernetes-int-or-string']) choices.push(...intOrStringChoices(path), ...numberChoices(path, node));
    else if (node.type === 'string') choices.push(...stringChoices(path, node));
    else if (node.type === 'integer' || node.type === 'number') choices.push(...numberChoices(path, node));
    else if (node.type === 'boolean') choices.push(at(path, 'boolean as text', fc.constantFrom('true', 'yes', 1, 0)));
    else if (node.type === 'array') {
      choices.push(...arrayChoices(path, node, current));
      if (Array.isArray(current) && current.length > 0) walk(node.items as JsonSchema, [...path, 0], current[0], true);
    } else if (node.type === 'object' || node['x-kubernetes-preserve-unknown-fields']) {
      choices.push(...objectChoices(path, node, present));
      if (!present) return;
      for (const [key, child] of Object.entries((node.properties as JsonSchema | undefined) ?? {})) {
        const value = (current as Record<string, unknown>)[key];
        walk(child as JsonSchema, [...path, key], value, value !== undefined);
      }
    }
  };
  walk(spec, ['spec'], (base as { spec: unknown }).spec, true);
  return choices;
}

function isRequired(spec: JsonSchema, path: Segment[]): boolean {
  let node: JsonSchema = { properties: { spec } };
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (typeof key === 'number') {
      node = node.items as JsonSchema;
      continue;
    }
    if (i === path.length - 1) return ((node.required as string[] | undefined) ?? []).includes(key);
    node = (node.properties as Record<string, JsonSchema>)[key]!;
  }
  return false;
}

/** Writes a mutation into a copy of the Release. */
export function applyMutation<T extends object>(release: T, mutation: Mutation): T {
  const copy = structuredClone(release);
  let parent = copy as Record<Segment, unknown>;
  for (const key of mutation.path.slice(0, -1)) {
    parent[key] ??= typeof key === 'number' ? [] : {};
    parent = parent[key] as Record<Segment, unknown>;
  }
  const last = mutation.path.at(-1)!;
  if (mutation.remove) delete parent[last];
  else if (mutation.merge) parent[last] = { ...(parent[last] as object), ...(mutation.value as object) };
  else parent[last] = mutation.value;
  return copy;
}

/** The field as the API server writes it: spec.healthChecks.http[0].url. */
export function fieldOf(path: Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * `count` distinct mutations drawn with a fixed seed: the same corpus on every run, so a failure is
 * reproduced by its seed alone.
 */
export function sampleMutations(base: object, { seed, count }: { seed: number; count: number }): Mutation[] {
  const choices = mutationChoices(base);
  // About one case in eight breaks the pod spec, the part only rollguard's dry run can judge.
  const podSpec = podSpecBreakers.map((m) => ({ ...m, path: [...podSpecPath, ...m.path] }));
  const arbitrary = fc.oneof(...choices.map((arbitrary) => ({ arbitrary, weight: 1 })), {
    arbitrary: podSpec,
    weight: Math.ceil(choices.length / 7),
  });
  const seen = new Map<string, Mutation>();
  for (let round = 0; seen.size < count && round < 20; round++) {
    for (const m of fc.sample(arbitrary, { seed: seed + round, numRuns: count * 2 })) {
      const key = JSON.stringify([m.path, m.kind, m.remove ? '<removed>' : summarise(m.value)]);
      if (!seen.has(key)) seen.set(key, m);
      if (seen.size === count) break;
    }
  }
  return [...seen.values()];
}

/** A mutation's value for logs and keys: long strings shortened, raw numbers shown as written. */
export function summarise(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 40 ? `${v.slice(0, 12)}…(${v.length} chars)` : v,
  );
  return text === undefined ? String(value) : text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
