import { z } from 'zod';
import { checkName, httpUrl } from './check-fields.ts';
import { checkHeaders } from './check-headers.ts';
import { duration } from './duration.ts';
import { withRules } from './rules.ts';

/** The moments of a Release's life a hook runs at. */
export const hookStages = ['preRollout', 'postRollout', 'onRollback'] as const;
export type HookStage = (typeof hookStages)[number];

const httpHookSchema = z
  .object({
    url: httpUrl('The URL called.'),
    method: z.enum(['POST', 'PUT', 'GET']).default('POST').meta({ description: 'The HTTP method (default POST).' }),
    headers: checkHeaders('the call'),
    timeout: duration('How long one attempt may take.', '10s').default('10s'),
    retries: z.int().min(0).max(10).default(2).meta({
      description: 'Attempts after the first when the call fails (default 2); only used when idempotent is true.',
    }),
    expectedStatus: z
      .array(z.int().min(100).max(599))
      .max(16)
      .optional()
      .meta({ description: 'The status codes that mean success; any 2xx when absent.' }),
    idempotent: z
      .boolean()
      .default(false)
      .meta({
        description:
          'Whether calling twice is harmless. When false (the default) rollguard makes one attempt only, so a call is never repeated, ' +
          'not even after rollguard was killed in the middle of it. Every call carries an Idempotency-Key header stable across attempts.',
      }),
  })
  .meta({ description: 'An HTTP call; its JSON body says which Release, stage and revision it is about.' });

const jobHookSchema = z
  .object({
    template: z.looseObject({}).meta({
      description:
        "A batch/v1 Job spec (its template, backoffLimit, ...), created in the Release's namespace under a name that is the same for every " +
        'attempt of the same hook run, so it is created once and awaited to completion.',
      'x-kubernetes-preserve-unknown-fields': true,
    }),
    timeout: duration('How long the Job may take to complete.', '5m').default('5m'),
  })
  .meta({ description: 'A Kubernetes Job run to completion.' });

export const hookSchema = withRules(
  z.object({
    name: checkName.meta({ description: 'Name of the hook, unique in its stage; Events and status name it.' }),
    http: httpHookSchema.optional(),
    job: jobHookSchema.optional(),
  }),
  [
    {
      cel: 'has(self.http) != has(self.job)',
      message: 'exactly one of http or job must be set',
      holds: (h) => (h.http === undefined) !== (h.job === undefined),
    },
  ],
).meta({ description: 'One hook: an HTTP call or a Job.' });

export type Hook = z.infer<typeof hookSchema>;
export type HttpHook = NonNullable<Hook['http']>;
export type JobHook = NonNullable<Hook['job']>;

const hookList = (description: string) =>
  z
    .array(hookSchema)
    .max(8)
    .refine((hooks) => new Set(hooks.map((h) => h.name)).size === hooks.length, {
      message: 'hook names must be unique',
    })
    .optional()
    .meta({ description, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });

export const hooksSchema = z
  .object({
    preRollout: hookList(
      'Run in order before a new revision is written; one that fails stops the rollout with the Deployment untouched.',
    ),
    postRollout: hookList('Run in order once a revision is judged healthy and marked stable.'),
    onRollback: hookList('Run in order once a rollback has brought the Deployment back on the earlier revision.'),
  })
  .meta({ description: 'Lifecycle hooks (docs/hooks.md).' });

export type Hooks = z.infer<typeof hooksSchema>;
