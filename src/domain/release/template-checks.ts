import type { DeploymentTemplate } from '../api/index.ts';

/** Kubernetes' resource.Quantity syntax ("500m", "1Gi", "2", "1e3"). */
const quantity = /^[+-]?(\d+(\.\d*)?|\.\d+)(([eE][+-]?\d+)|[numkKMGTPE]|[KMGTPE]i)?$/;

interface ContainerResources {
  resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
}

/**
 * What of a pod template the API server refuses without naming the field: a resource quantity it
 * cannot parse makes it answer "quantities must match the regular expression" and nothing more. Pure,
 * so the workflow can name the field itself before the dry run.
 */
export function templateProblems(template: DeploymentTemplate): string[] {
  const spec = template.template.spec as { containers?: ContainerResources[]; initContainers?: ContainerResources[] };
  return (['containers', 'initContainers'] as const).flatMap((list) =>
    (spec[list] ?? []).flatMap((container, i) =>
      (['limits', 'requests'] as const).flatMap((kind) =>
        Object.entries(container.resources?.[kind] ?? {}).flatMap(([name, value]) =>
          (typeof value === 'string' && quantity.test(value)) ||
          (typeof value === 'number' && Number.isFinite(value) && value >= 0)
            ? []
            : [
                `spec.template.template.spec.${list}[${i}].resources.${kind}.${name}: ${JSON.stringify(value)} is not a quantity (such as "500m", "1Gi" or "2")`,
              ],
        ),
      ),
    ),
  );
}
