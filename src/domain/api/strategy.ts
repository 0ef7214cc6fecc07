import { z } from 'zod';
import { duration } from './duration.ts';
import type { CelValidation } from './rules.ts';
import { withRules } from './rules.ts';

/**
 * spec.strategy: how a new revision reaches users. Absent means `rolling` (the Deployment's own rolling
 * update, then the analysis window), which is what every Release did before strategies existed.
 * Field names follow Argo Rollouts where they read well; docs/strategies.md says where and why not.
 */

/**
 * An object that refuses keys it does not know (a misspelt `setweight` would otherwise be dropped and
 * the step silently mean something else), naming them and the keys it knows.
 */
const closed = <S extends z.ZodRawShape>(shape: S, requiredAs?: string) =>
  z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; known fields: ${Object.keys(shape).join(', ')}`;
      if (requiredAs !== undefined && issue.input === undefined) return `is required: ${requiredAs}`;
      return undefined;
    },
  });

const required = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${what}` : undefined),
});

// A Service name is a DNS-1035 label; an HTTPRoute name a DNS-1123 subdomain.
const serviceName = (description: string, what: string) =>
  z
    .string(required(what))
    .max(63)
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a Service name (lower-case letters, digits and "-")' })
    .meta({ description: `${description} A Service in the Release's namespace.` });

const percent = (description: string) =>
  z
    .int({ error: 'must be a whole number from 0 to 100' })
    .min(0, { message: 'must be a percentage from 0 to 100' })
    .max(100, { message: 'must be a percentage from 0 to 100' })
    .meta({ description });

/** The analysis of one step: the Release's health checks, run against the new revision's pods only. */
export const stepAnalysisSchema = closed({
  window: duration(
    'How long the health checks watch the new revision at this step; spec.analysis.window when omitted.',
    '2m',
  ).optional(),
  failureWeight: z.int().min(1).max(1000).optional().meta({
    description: 'The summed weight of failing checks that fails this step; spec.analysis.failureWeight when omitted.',
  }),
}).meta({
  description:
    "Run the Release's health checks (spec.healthChecks) against the new revision's pods for a window; a failing verdict aborts the rollout.",
});

const stepKinds = ['setWeight', 'pause', 'analysis'] as const;
const exactlyOne = (fields: readonly string[]): string =>
  fields.map((field) => `(has(self.${field}) ? 1 : 0)`).join(' + ') + ' == 1';

/** One step of a canary: exactly one of setWeight, pause or analysis. */
export const canaryStepSchema = withRules(
  closed({
    setWeight: percent(
      'Send this percentage of traffic to the new revision (0 to 100), with as many of its pods as that share needs.',
    ).optional(),
    pause: closed({
      duration: duration('How long to wait before the next step; without it, wait until promoted.', '10m').optional(),
    })
      .optional()
      .meta({ description: 'Wait: for duration, or until `rollguard promote` when no duration is given.' }),
    analysis: stepAnalysisSchema.optional(),
  }),
  [
    {
      cel: exactlyOne(stepKinds),
      message: 'a step sets exactly one of setWeight, pause or analysis',
      holds: (step) => stepKinds.filter((kind) => step[kind] !== undefined).length === 1,
    },
  ],
).meta({ description: 'One step of the canary: exactly one of setWeight, pause or analysis.' });

/** Gateway API traffic routing: rollguard sets the weights of an HTTPRoute's backendRefs at each step. */
export const gatewayApiRoutingSchema = withRules(
  closed(
    {
      httpRoute: z
        .string(required('the HTTPRoute whose backendRefs weights rollguard sets'))
        .max(253)
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
          message: 'must be the name of an HTTPRoute (lower-case letters, digits, "-" and ".")',
        })
        .meta({
          description:
            "The HTTPRoute (gateway.networking.k8s.io) in the Release's namespace whose rules send traffic to both Services; rollguard sets only the weights of their backendRefs.",
        }),
      stableService: serviceName(
        'The Service selecting the stable revision’s pods only; its backendRefs get 100 minus the step’s weight.',
        'the Service of the stable revision, referenced by the HTTPRoute',
      ),
      canaryService: serviceName(
        'The Service selecting the new revision’s pods only; its backendRefs get the step’s weight.',
        'the Service of the new revision, referenced by the HTTPRoute',
      ),
    },
    'the HTTPRoute and the two Services it sends to',
  ),
  [
    {
      cel: 'self.stableService != self.canaryService',
      message: 'stableService and canaryService must be different Services',
      field: '.canaryService',
      holds: (g) => g.stableService !== g.canaryService,
    },
  ],
).meta({ description: 'Move traffic by the weights of a Gateway API HTTPRoute instead of by pod counts.' });

const trafficRoutingSchema = closed({
  // Required while it is the only router: trafficRouting without one would mean nothing.
  gatewayAPI: gatewayApiRoutingSchema,
}).meta({
  description:
    "How traffic is split between the revisions. Without it, by pod counts: both revisions' pods sit behind the same Service.",
});

type Step = z.output<typeof canaryStepSchema>;

const noExposure =
  'a canary needs a setWeight step above 0: without one no traffic reaches the new revision before it gets all of it';
const decreasing =
  'setWeight must not decrease from one step to the next (to send traffic back to the stable revision, abort)';

/**
 * What admission (and every parse) refuses in a step list, each naming the step. The API server
 * checks the first two by CEL (canaryCel); the third needs step order, which its cost-bounded CEL
 * cannot see cheaply, so parseRelease and the workflow check it.
 */
export function canaryStepIssues(steps: readonly Step[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (steps.length === 0) return issues; // reported by minItems
  const exposed = steps.findIndex((step) => (step.setWeight ?? 0) > 0);
  if (exposed < 0)
    issues.push({
      path: ['steps'],
      message: noExposure,
    });
  let highest: { weight: number; index: number } | undefined;
  steps.forEach((step, index) => {
    // A weight out of range is reported by its own bounds.
    if (step.setWeight === undefined || !(step.setWeight >= 0 && step.setWeight <= 100)) return;
    if (highest && step.setWeight < highest.weight)
      issues.push({
        path: ['steps', index, 'setWeight'],
        message: `${step.setWeight} is less than ${highest.weight} at steps[${highest.index}]: ${decreasing}`,
      });
    else highest = { weight: step.setWeight, index };
  });
  steps.forEach((step, index) => {
    if (step.analysis !== undefined && (exposed < 0 || index < exposed))
      issues.push({
        path: ['steps', index, 'analysis'],
        message:
          'comes before any setWeight above 0, when the new revision has no pods to judge; move it after the first setWeight',
      });
  });
  return issues;
}

const canaryCel: CelValidation[] = [
  {
    rule: 'self.steps.exists(s, has(s.setWeight) && s.setWeight > 0)',
    message: noExposure,
    fieldPath: '.steps',
    reason: 'FieldValueInvalid',
  },
  {
    rule: 'self.steps.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()',
    message: decreasing,
    fieldPath: '.steps',
    reason: 'FieldValueInvalid',
  },
];

export const canaryStrategySchema = closed({
  steps: z.array(canaryStepSchema).min(1, { message: 'a canary needs at least one step' }).max(32).meta({
    description:
      'The steps, in order. Passing the last one promotes the new revision to all traffic; a failed analysis aborts.',
  }),
  trafficRouting: trafficRoutingSchema.optional(),
  scaleDownDelay: duration(
    'With trafficRouting: how long pods keep running after the route stops sending to them, for gateways still applying the previous weights: the old revision’s once the canary has all traffic, and the canary’s once the promoted revision takes it back (default 30s). Without a router traffic follows the pods, and nothing waits.',
    '30s',
  ).optional(),
})
  .superRefine((canary, ctx) => {
    for (const { path, message } of canaryStepIssues(canary.steps)) ctx.addIssue({ code: 'custom', path, message });
  })
  .meta({
    description: 'Expose the new revision to a growing share of traffic, step by step, judging it on the way.',
    'x-kubernetes-validations': canaryCel,
  });

export const blueGreenStrategySchema = withRules(
  closed({
    activeService: serviceName(
      "The Service users reach; at the switch rollguard narrows its selector to the new revision's pods.",
      'the Service whose selector rollguard switches to the new revision',
    ),
    previewService: serviceName(
      "A Service rollguard points at the new revision's pods before the switch, for people and tests to try it.",
      'a Service name',
    ).optional(),
    previewAnalysis: stepAnalysisSchema
      .optional()
      .meta({ description: "Judge the new revision's pods before the switch, while they get no user traffic." }),
    autoPromote: z.boolean().default(true).meta({
      description:
        'Switch as soon as the preview is ready and judged (default true); false waits for `rollguard promote`.',
    }),
    scaleDownDelay: duration(
      'How long the old revision keeps its pods after the switch, so a rollback in that time is a switch back (default 30s).',
      '30s',
    ).default('30s'),
  }),
  [
    {
      cel: '!has(self.previewService) || self.previewService != self.activeService',
      message: 'previewService and activeService must be different Services',
      field: '.previewService',
      holds: (b) => b.previewService !== b.activeService,
    },
  ],
).meta({
  description: 'Bring the new revision up at full size beside the old one, judge it, then switch all traffic at once.',
});

const strategyKinds = ['rolling', 'canary', 'blueGreen'] as const;

export const strategySchema = withRules(
  closed({
    rolling: closed({})
      .optional()
      .meta({ description: "The Deployment's rolling update, then the analysis window (the default)." }),
    canary: canaryStrategySchema.optional(),
    blueGreen: blueGreenStrategySchema.optional(),
  }),
  [
    {
      cel: exactlyOne(strategyKinds),
      message: 'set exactly one of rolling, canary or blueGreen',
      holds: (s) => strategyKinds.filter((kind) => s[kind] !== undefined).length === 1,
    },
  ],
).meta({ description: 'How a new revision reaches users: rolling (the default), canary or blueGreen.' });

export type Strategy = z.output<typeof strategySchema>;
export type CanaryStrategy = z.output<typeof canaryStrategySchema>;
export type CanaryStep = Step;
export type StepAnalysis = z.output<typeof stepAnalysisSchema>;
export type GatewayApiRouting = z.output<typeof gatewayApiRoutingSchema>;
export type BlueGreenStrategy = z.output<typeof blueGreenStrategySchema>;
