/**
 * A policy as text (SPEC 3.3) sent to the API: parsed as YAML or JSON, structurally and
 * semantically validated exactly as `arrears policy validate` does, every issue (up to 50)
 * with its path; and a stored policy written back as YAML for editing.
 */
import { stringify } from 'yaml';
import { InputError, MAX_REPORTED_ISSUES, type InputIssue } from '../domain/errors.js';
import { parsePolicyText, policyFromValue, type PolicyFormat } from '../domain/policy/read.js';
import type { Policy } from '../domain/policy/schema.js';
import { validatePolicy } from '../domain/policy/validate.js';

export interface PolicyCheck {
  ok: boolean;
  /** The policy's id and version as written, when it could be read that far. */
  policy: { id: string; version: number } | null;
  /** Stage count of a valid policy. */
  stages?: number;
  errors: { path: string; message: string }[];
  /** The parsed policy, when valid. */
  parsed?: Policy;
}

const FILE = { yaml: 'policy.yaml', json: 'policy.json' } as const;

function head(raw: unknown): { id: string; version: number } | null {
  if (raw === null || typeof raw !== 'object') return null;
  const { id, version } = raw as Record<string, unknown>;
  if (typeof id !== 'string') return null;
  return { id, version: typeof version === 'number' ? version : 1 };
}

/**
 * Reads and validates policy text: `format` yaml or json, or absent to try JSON then YAML.
 * Issue paths are those of the policy (`stages[1] (pre-lien).actions[0].amountCents`, or
 * `line 3, column 5` for a syntax error).
 */
export function checkPolicySource(
  source: string,
  format?: PolicyFormat,
  asOf?: string,
): PolicyCheck {
  const errors: InputIssue[] = [];
  let raw: unknown;
  let policy: Policy | undefined;
  try {
    raw = parsePolicyText(source, format ? FILE[format] : 'policy');
    policy = policyFromValue(raw);
    errors.push(...validatePolicy(policy, undefined, asOf === undefined ? {} : { asOf }));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    errors.push(...e.issues);
  }
  const shown = errors
    .slice(0, MAX_REPORTED_ISSUES)
    .map((i) => ({ path: i.path, message: i.message }));
  const ok = shown.length === 0 && policy !== undefined;
  return {
    ok,
    policy: policy ? { id: policy.id, version: policy.version } : head(raw),
    ...(ok ? { stages: policy!.stages.length, parsed: policy! } : {}),
    errors: shown,
  };
}

/** The valid policy of `source`, or an InputError whose paths start with `pathPrefix`. */
export function parsePolicySource(
  source: string,
  format: PolicyFormat | undefined,
  pathPrefix = 'body.source',
): Policy {
  const check = checkPolicySource(source, format);
  if (!check.parsed)
    throw new InputError(
      check.errors.map((e) => ({ file: pathPrefix, path: e.path, message: e.message })),
    );
  return check.parsed;
}

/** A stored policy as YAML text, ready to edit and send back (defaults written out). */
export function policySourceText(policy: Policy): string {
  return stringify(policy, { lineWidth: 0 });
}
