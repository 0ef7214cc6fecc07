import { z } from 'zod';
import { withRules } from './rules.ts';

/** Most headers one check may send; enough for a token, a tenant and a few routing headers. */
export const maxCheckHeaders = 8;

// Set by rollguard or by the connection itself: a check that set them could break the request's
// framing or send it to another virtual host than its URL names.
const connectionHeaders = [
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

// Header names that carry credentials: their value belongs in a Secret, not in the Release, which is
// shown in status, Events, `kubectl get -o yaml` and recorded in workflow history.
const credentialNames = ['authorization', 'proxy-authorization', 'cookie'];
const credentialWords = ['token', 'secret', 'passw', 'api-?key', 'credential'];

const connectionHeaderPattern = `^(${connectionHeaders.join('|')})$`;
const credentialPattern = `^(${credentialNames.join('|')})$|${credentialWords.join('|')}`;

/** What HTTP lets a header value hold (and Node sends): tabs and printable Latin-1, never a line break. */
export const headerValuePattern = /^[\t\x20-\x7E\x80-\xFF]*$/;

/** True for a header only the connection sets (Host, Content-Length, hop-by-hop headers). */
export const isConnectionHeader = (name: string): boolean => new RegExp(connectionHeaderPattern, 'i').test(name);
/** True for a header whose value is a credential (Authorization, Cookie, X-Api-Key, ...). */
export const carriesCredentials = (name: string): boolean => new RegExp(credentialPattern, 'i').test(name);

/** A key of a Secret in the Release's namespace (check headers, notification sinks, hooks). */
export const secretKeyRef = z
  .object({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        message: 'must be the name of a Secret (lower-case letters, digits, "-" and ".")',
      })
      .meta({ description: "Name of the Secret, in the Release's own namespace." }),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a Secret key (letters, digits, "-", "_" and ".")' })
      .meta({
        description:
          'The key of the Secret whose value is sent as the whole header value (for a bearer token, "Bearer <token>"); surrounding whitespace, such as a trailing newline, is trimmed.',
      }),
  })
  .meta({
    description:
      "A key of a Secret in the Release's namespace. rollguard reads it when the check runs (it needs `get` on that Secret: see " +
      'deploy/rbac/examples/check-secret-reader.yaml); the value is never written to status, Events, logs or workflow history.',
  });

/** One request header of a check: a literal value, or one read from a Secret when the check runs. */
export const checkHeaderSchema = withRules(
  z.object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, {
        message: 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~), such as "X-Scope-OrgID"',
      })
      .meta({
        description:
          'The header name, such as "Authorization" or "X-Scope-OrgID"; unique in the check, whatever its case.',
      }),
    value: z
      .string()
      .max(4096)
      .regex(headerValuePattern, {
        message: 'must be one line of text: no line breaks or control characters, no character beyond U+00FF',
      })
      .optional()
      .meta({
        description:
          'A value that is not secret (it is shown in the Release and recorded in history). Headers that carry credentials (Authorization, ' +
          'Proxy-Authorization, Cookie, and names with token, secret, password, api-key or credential in them) must use valueFrom. Exclusive with valueFrom.',
      }),
    valueFrom: z.object({ secretKeyRef }).optional().meta({
      description: "Where the value comes from: a key of a Secret in the Release's namespace. Exclusive with value.",
    }),
  }),
  [
    {
      cel: 'has(self.value) != has(self.valueFrom)',
      message: 'exactly one of value or valueFrom must be set',
      holds: (h) => (h.value === undefined) !== (h.valueFrom === undefined),
    },
    {
      cel: `!self.name.matches('(?i)${connectionHeaderPattern}')`,
      message:
        'Host, Content-Length and the hop-by-hop headers (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade) are set by the connection, not by a check',
      field: '.name',
      holds: (h) => !isConnectionHeader(h.name),
    },
    {
      cel: `!has(self.value) || !self.name.matches('(?i)${credentialPattern}')`,
      message:
        'this header carries credentials: take its value from a Secret with valueFrom.secretKeyRef instead of value, so that it is not ' +
        'stored in the Release, its status or the workflow history (docs/check-credentials.md)',
      field: '.value',
      holds: (h) => h.value === undefined || !carriesCredentials(h.name),
    },
  ],
).meta({ description: 'A request header: name, and either value (not secret) or valueFrom.secretKeyRef.' });

export type CheckHeader = z.infer<typeof checkHeaderSchema>;

/** A check's request headers; names are compared without case, as HTTP does. */
export const checkHeaders = (sentWith: string) =>
  withRules(z.array(checkHeaderSchema).max(maxCheckHeaders), [
    {
      cel: 'self.all(h, self.exists_one(o, o.name.lowerAscii() == h.name.lowerAscii()))',
      message: 'header names must be unique (whatever their case)',
      holds: (headers) => new Set(headers.map((h) => h.name.toLowerCase())).size === headers.length,
    },
  ])
    .optional()
    .meta({
      description:
        `Request headers sent with ${sentWith}, up to ${maxCheckHeaders}: for a token, take the value from a Secret ` +
        '(valueFrom.secretKeyRef), which rollguard reads when the check runs (docs/check-credentials.md).',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
