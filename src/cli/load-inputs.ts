/** Read and validate portfolio and policy files, collecting every issue before failing. */
import { InputError, type InputIssue } from '../domain/errors.js';
import { parsePolicy } from '../domain/policy/read.js';
import type { Policy } from '../domain/policy/schema.js';
import { validatePolicy } from '../domain/policy/validate.js';
import { parsePortfolio } from '../domain/portfolio/read.js';
import type { Portfolio } from '../domain/portfolio/schema.js';
import type { CliContext } from './context.js';
import { readInputFile } from './io.js';

export async function loadPortfolio(file: string, ctx: CliContext): Promise<Portfolio> {
  const text = await readInputFile(file, ctx);
  return parsePortfolio(text, file);
}

/** Every policy file parsed and validated; all their issues reported together. */
export async function loadPolicies(files: readonly string[], ctx: CliContext): Promise<Policy[]> {
  const issues: InputIssue[] = [];
  const policies: Policy[] = [];
  for (const file of files) {
    try {
      const text = await readInputFile(file, ctx);
      const policy = parsePolicy(text, file);
      const found = validatePolicy(policy, file);
      if (found.length > 0) issues.push(...found);
      else policies.push(policy);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push(...e.issues);
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return policies;
}

/**
 * A portfolio and its policies for the pure commands (simulate, policy preview), with the
 * issues of both files and of `extra` (flag checks) reported together.
 */
export async function loadPortfolioAndPolicies(
  portfolioFile: string,
  policyFiles: readonly string[],
  ctx: CliContext,
  extra: InputIssue[] = [],
): Promise<{ portfolio: Portfolio; policies: Policy[] }> {
  const issues: InputIssue[] = [...extra];
  let portfolio: Portfolio | undefined;
  let policies: Policy[] = [];
  try {
    portfolio = await loadPortfolio(portfolioFile, ctx);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    issues.push(...e.issues);
  }
  try {
    policies = await loadPolicies(policyFiles, ctx);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0 || !portfolio) throw new InputError(issues);
  return { portfolio, policies };
}
