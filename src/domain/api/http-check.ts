import { z } from 'zod';
import { checkName, failureThreshold, httpUrl, notLonger, weight } from './check-fields.ts';
import { checkHeaders } from './check-headers.ts';
import { checkFloors, duration } from './duration.ts';
import { withRules } from './rules.ts';

const podPort = z
  .union([
    z.int().min(1).max(65535),
    z
      .string()
      .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/)
      .max(15),
  ])
  .optional()
  .meta({
    description:
      'Probe every Ready pod of the revision on this container port: a number or a named port. Exclusive with url.',
    'x-kubernetes-int-or-string': true,
    maxLength: 15,
    'x-kubernetes-validations': [
      {
        rule: "type(self) == int ? self >= 1 && self <= 65535 : self.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message: 'must be a port number from 1 to 65535 or a port name such as "http"',
      },
    ],
  });

const expectStatus = withRules(
  z.object({
    min: z
      .int()
      .min(100)
      .max(599)
      .default(200)
      .meta({ description: 'Lowest accepted HTTP status code (default 200).' }),
    max: z
      .int()
      .min(100)
      .max(599)
      .default(299)
      .meta({ description: 'Highest accepted HTTP status code (default 299).' }),
  }),
  // The API server checks this rule against the bare `default: {}` too, before nested defaults apply.
  [
    {
      cel: '!has(self.min) || !has(self.max) || self.min <= self.max',
      message: 'min must not be greater than max',
      field: '.min',
      holds: (s) => !(s.min > s.max),
    },
  ],
)
  .prefault({})
  .meta({ description: 'The range of HTTP status codes that counts as healthy (default 200 to 299).' });

/** An HTTP probe of one URL, or of a path on every Ready pod of the new revision. */
export const httpCheckSchema = withRules(
  z.object({
    name: checkName,
    url: httpUrl('The http:// or https:// URL to probe. Exclusive with port.').optional(),
    port: podPort,
    path: z
      .string()
      .max(2048)
      .regex(/^\/\S*$/, { message: 'must be an absolute path such as "/healthz"' })
      .optional()
      .meta({ description: 'The path probed on each pod, such as "/healthz"; set together with port.' }),
    interval: duration('How often the check runs.', '10s', { min: checkFloors.interval }).default('10s'),
    timeout: duration('How long one request may take before it counts as failed; at most interval.', '2s', {
      min: checkFloors.timeout,
    }).default('2s'),
    retries: z
      .int()
      .min(0)
      .max(10)
      .default(1)
      .meta({ description: 'Extra attempts, with backoff, before one evaluation fails (default 1).' }),
    expectStatus,
    bodyContains: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'When set, the response body must contain this text.' }),
    headers: checkHeaders('each request of the check'),
    failureThreshold: failureThreshold(1),
    weight: weight(5),
  }),
  [
    {
      cel: 'has(self.url) != has(self.port)',
      message: 'exactly one of url or port must be set',
      holds: (c) => (c.url === undefined) !== (c.port === undefined),
    },
    {
      cel: 'has(self.path) == has(self.port)',
      message: 'path must be set together with port, and only with port',
      field: '.path',
      holds: (c) => (c.path === undefined) === (c.port === undefined),
    },
    {
      cel: '!has(self.timeout) || !has(self.interval) || duration(self.timeout) <= duration(self.interval)',
      message: 'timeout must not be longer than interval',
      field: '.timeout',
      holds: (c) => notLonger(c.timeout, c.interval),
    },
  ],
).meta({ description: 'An HTTP health check: a url, or a port and path probed on every Ready pod of the revision.' });

export type HttpCheck = z.infer<typeof httpCheckSchema>;
