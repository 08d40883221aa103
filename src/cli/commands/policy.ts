/**
 * `arrears policy …`: the policy command group. `policy validate FILE` is here; further
 * subcommands (preview, apply, list) attach to the same group with one call each:
 *
 *   registerPolicyPreview(policyGroup(program), ctx);
 *
 * `policyGroup` returns the existing `policy` command (creating it once), so modules can
 * register their subcommands in any order.
 */
import type { Command } from 'commander';
import { isLocalDate } from '../../domain/dates.js';
import { InputError, type InputIssue, MAX_REPORTED_ISSUES } from '../../domain/errors.js';
import { parsePolicyText, policyFromValue } from '../../domain/policy/read.js';
import type { Policy } from '../../domain/policy/schema.js';
import { validatePolicy } from '../../domain/policy/validate.js';
import type { CliContext } from '../context.js';
import { readInputFile } from '../io.js';
import { registerPolicyPreview } from './policy-preview.js';
import { registerPolicyStore } from './policy-store.js';
import { registerPolicyWhich } from './policy-which.js';

/** A module that adds subcommands to the `policy` group. */
export type PolicySubcommands = (policyCmd: Command, ctx: CliContext) => void;

/** The `policy` command group of `program`, created on first use. */
export function policyGroup(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'policy');
  if (existing) return existing;
  return program
    .command('policy')
    .description('validate, preview, store and list delinquency policies (SPEC 3.3)');
}

/** Every `policy` subcommand: `validate`, `preview`, `apply`, `list` and `which`. */
export function registerPolicyCommands(policyCmd: Command, ctx: CliContext): void {
  registerPolicyValidate(policyCmd, ctx);
  registerPolicyPreview(policyCmd, ctx);
  registerPolicyStore(policyCmd, ctx);
  registerPolicyWhich(policyCmd, ctx);
}

/** Registers the `policy` group on the program with this module's subcommands. */
export function registerPolicy(program: Command, ctx: CliContext): void {
  registerPolicyCommands(policyGroup(program), ctx);
}

export interface PolicyValidation {
  valid: boolean;
  policy: { id: string; version: number } | null;
  /** Stage count of a valid policy. */
  stages?: number;
  errors: InputIssue[];
}

/** Reads, parses and validates one policy file; every issue found (up to 50). */
export async function checkPolicyFile(
  file: string,
  ctx: CliContext,
  asOf?: string,
): Promise<PolicyValidation> {
  let raw: unknown;
  let policy: Policy | undefined;
  const errors: InputIssue[] = [];
  try {
    const text = await readInputFile(file, ctx);
    raw = parsePolicyText(text, file);
    policy = policyFromValue(raw, file);
    errors.push(...validatePolicy(policy, file, asOf === undefined ? {} : { asOf }));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    errors.push(...e.issues);
  }
  const head = policy ?? rawHead(raw);
  const result: PolicyValidation = {
    valid: errors.length === 0,
    policy: head ? { id: head.id, version: head.version } : null,
    errors: errors.slice(0, MAX_REPORTED_ISSUES),
  };
  if (policy && result.valid) result.stages = policy.stages.length;
  return result;
}

function rawHead(raw: unknown): { id: string; version: number } | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { id, version } = raw as Record<string, unknown>;
  if (typeof id !== 'string') return undefined;
  return { id, version: typeof version === 'number' ? version : 1 };
}

interface ValidateOptions {
  json?: boolean;
  asOf?: string;
}

export function registerPolicyValidate(policyCmd: Command, ctx: CliContext): void {
  policyCmd
    .command('validate')
    .description('check a policy file and explain every error (exit 2 when invalid)')
    .argument('<file>', 'policy file, YAML or JSON')
    .option('--json', 'print {"valid", "policy": {"id", "version"}, "errors": [...]} on stdout')
    .option(
      '--as-of <date>',
      'check the jurisdiction rules in force on this date and later (default: the current rules)',
    )
    .action(async (file: string, opts: ValidateOptions) => {
      if (opts.asOf !== undefined && !isLocalDate(opts.asOf))
        throw new InputError([
          { path: '--as-of', message: `\`${opts.asOf}\` is not a date; write it as YYYY-MM-DD` },
        ]);
      const result = await checkPolicyFile(file, ctx, opts.asOf);
      if (opts.json) {
        const out = { valid: result.valid, policy: result.policy, errors: result.errors };
        ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
        if (!result.valid) ctx.exitCode = 2;
        return;
      }
      if (!result.valid) throw new InputError(result.errors);
      const n = result.stages ?? 0;
      ctx.stdout(
        `${file}: valid — policy ${result.policy?.id} v${result.policy?.version}, ${n} stage${n === 1 ? '' : 's'}\n`,
      );
    });
}
