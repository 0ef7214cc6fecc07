import type { z } from 'zod';

/**
 * A rule across fields, written once for both places that enforce it: the API server evaluates `cel`
 * (an `x-kubernetes-validations` entry in the generated CRD) and `parseRelease` evaluates `holds`.
 */
export interface CrossFieldRule<T> {
  /** CEL expression; `self` is the object the rule is attached to. */
  cel: string;
  message: string;
  /** The field a violation is reported on, relative to the object (".max"); the object itself when absent. */
  field?: string;
  /** The same rule in TypeScript. It may see a value that failed other checks, so it must not throw. */
  holds: (value: T) => boolean;
  /** A CEL expression for a message naming what is wrong (the API server shows it instead of `message`). */
  messageExpression?: string;
}

export interface CelValidation {
  rule: string;
  message: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid';
}

const toValidation = ({ cel, message, messageExpression, field }: CrossFieldRule<never>): CelValidation => ({
  rule: cel,
  message,
  ...(messageExpression ? { messageExpression } : {}),
  ...(field ? { fieldPath: field, reason: 'FieldValueInvalid' as const } : {}),
});

/** Attaches cross-field rules to a schema: refinements for zod, CEL rules for the CRD. */
export function withRules<S extends z.ZodType>(schema: S, rules: CrossFieldRule<z.output<S>>[]): S {
  let checked = schema;
  for (const rule of rules) {
    const path = rule.field ? rule.field.slice(1).split('.') : [];
    checked = checked.refine((value) => rule.holds(value), { message: rule.message, path });
  }
  return checked.meta({ 'x-kubernetes-validations': rules.map(toValidation) });
}

/**
 * The CEL half of rules that only admission enforces: the API server here, parseRelease through
 * admission.ts, but not a workflow reading a spec it was sent earlier, which must go on accepting
 * what was valid when it was recorded (its history replays the same way).
 */
export const admissionValidations = (
  rules: CrossFieldRule<never>[],
): { 'x-kubernetes-validations': CelValidation[] } => ({
  'x-kubernetes-validations': rules.map(toValidation),
});
