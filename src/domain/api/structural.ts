/** A node of an OpenAPI v3 / JSON Schema document, as zod emits it and as a CRD carries it. */
export type JsonSchema = { [key: string]: unknown };

// Constructs zod may emit that a structural CRD schema cannot carry: fail generation rather than
// write a CRD the API server would refuse (or, worse, accept with different meaning).
const forbidden = [
  '$ref',
  '$defs',
  'definitions',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'const',
  'nullable',
  'patternProperties',
];

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const leadingKeys = ['description', 'type'];

/**
 * Rewrites zod's JSON Schema for one field into a Kubernetes structural schema:
 * - a looseObject (unknown keys allowed) becomes `x-kubernetes-preserve-unknown-fields: true`;
 * - an int-or-string union becomes `x-kubernetes-int-or-string: true` without its anyOf;
 * - zod's safe-integer bounds, record key schemas and date-time regexes (`format` says it) are dropped;
 * - an object without properties loses its empty `properties`, as the API server stores it.
 */
export function toStructural(node: JsonSchema, path = ''): JsonSchema {
  const out: JsonSchema = { ...node };
  delete out.$schema;
  delete out.propertyNames;
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.anyOf;
    delete out.type;
  }
  if (isSchema(out.additionalProperties) && Object.keys(out.additionalProperties).length === 0 && out.properties) {
    delete out.additionalProperties;
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  if (out.format === 'date-time') delete out.pattern;

  const where = path || '(root)';
  for (const key of forbidden) {
    if (key in out) throw new Error(`${where}: "${key}" cannot be expressed in a structural CRD schema`);
  }
  const untyped = out['x-kubernetes-int-or-string'] === true || out['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof out.type !== 'string' && !untyped)
    throw new Error(`${where}: every field of a structural schema needs a type`);

  if (isSchema(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([key, child]) => [key, toStructural(child as JsonSchema, `${path}.${key}`)]),
    );
  }
  // The API server stores an object without properties without `properties: {}`: dropped here too,
  // so that a CRD read back from the server equals the one generated (install --check compares them).
  if (isSchema(out.properties) && Object.keys(out.properties).length === 0) delete out.properties;
  if (isSchema(out.items)) out.items = toStructural(out.items, `${path}[]`);
  if (isSchema(out.additionalProperties))
    out.additionalProperties = toStructural(out.additionalProperties, `${path}{}`);
  return withLeadingKeys(out);
}

// Description and type first, so the generated YAML reads like a hand-written CRD.
function withLeadingKeys(node: JsonSchema): JsonSchema {
  const ordered: JsonSchema = {};
  for (const key of leadingKeys) if (key in node) ordered[key] = node[key];
  return Object.assign(ordered, node);
}
