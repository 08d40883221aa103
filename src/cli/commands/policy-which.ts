/**
 * `arrears policy which [--lease L] [--json]`: which stored workflow governs each stored
 * lease, and why (SPEC 2). The policies are the latest version of each stored id — the
 * ones `scan` uses — and the choice is `explainPolicyFor`, the same ranking the evaluator
 * applies: a property-level policy beats a state × space-type one, which beats a
 * state-wide one, which beats a kind-only or default one.
 *
 * Without `--lease`: one row per lease, then the workflow of each state × kind × space type
 * found in the portfolio and the property-level overrides. With `--lease`: every policy
 * considered for that lease, condition by condition, and why the winner won.
 * `--json` prints `{"policies": n, "leases": [explanation…], "workflows": [...]}`.
 */
import type { Command } from 'commander';
import { InputError } from '../../domain/errors.js';
import { explainPolicyFor, type PolicyExplanation } from '../../domain/policy/resolve.js';
import type { Portfolio } from '../../domain/portfolio/schema.js';
import { storesFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { renderTable } from '../timeline-table.js';
import { DB_OPTION_HELP } from './migrate.js';

interface WhichOptions {
  lease?: string;
  db?: string;
  json?: boolean;
}

/** One workflow of the corporate matrix: a state × kind × space type and what governs it. */
export interface WorkflowRow {
  jurisdiction: string;
  kind: string;
  spaceType: string | null;
  /** `id vN` of each policy governing leases of this combination, with the lease count. */
  policies: { policy: string | null; level: string | null; leases: number }[];
}

/** Explanations for every lease of `portfolio` (or only `leaseId`), in lease-id order. */
export function explainPortfolio(
  portfolio: Portfolio,
  policies: Parameters<typeof explainPolicyFor>[2],
  leaseId?: string,
): PolicyExplanation[] {
  const properties = new Map(portfolio.properties.map((p) => [p.id, p]));
  const leases = portfolio.leases
    .filter((l) => leaseId === undefined || l.id === leaseId)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: PolicyExplanation[] = [];
  for (const lease of leases) {
    const property = properties.get(lease.propertyId);
    if (property) out.push(explainPolicyFor(lease, property, policies));
  }
  return out;
}

/** The state × kind × space type matrix of the explanations. */
export function workflowMatrix(explanations: readonly PolicyExplanation[]): WorkflowRow[] {
  const rows = new Map<string, WorkflowRow>();
  for (const e of explanations) {
    const key = `${e.jurisdiction}\u0000${e.kind}\u0000${e.spaceType ?? ''}`;
    let row = rows.get(key);
    if (!row) {
      row = { jurisdiction: e.jurisdiction, kind: e.kind, spaceType: e.spaceType, policies: [] };
      rows.set(key, row);
    }
    const policy = e.policy ? `${e.policy.id} v${e.policy.version}` : null;
    const cell = row.policies.find((p) => p.policy === policy);
    if (cell) cell.leases++;
    else row.policies.push({ policy, level: e.level, leases: 1 });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const list = [...rows.values()].sort(
    (a, b) =>
      cmp(a.jurisdiction, b.jurisdiction) ||
      cmp(a.kind, b.kind) ||
      cmp(a.spaceType ?? '', b.spaceType ?? ''),
  );
  for (const row of list) row.policies.sort((a, b) => b.leases - a.leases);
  return list;
}

function explanationJson(e: PolicyExplanation) {
  const { policy, ...rest } = e;
  return {
    ...rest,
    policy: policy
      ? {
          id: policy.id,
          version: policy.version,
          name: policy.name ?? null,
          appliesTo: policy.appliesTo,
        }
      : null,
  };
}

function policyLabel(e: PolicyExplanation): string {
  return e.policy ? `${e.policy.id} v${e.policy.version}` : '(none)';
}

function renderOverview(explanations: readonly PolicyExplanation[], stored: number): string {
  if (explanations.length === 0) return 'no leases are stored: import a portfolio first\n';
  const head = `Which workflow governs each lease (${stored} stored polic${stored === 1 ? 'y' : 'ies'})\n\n`;
  const leases = renderTable(
    ['lease', 'property', 'state', 'kind', 'space type', 'policy', 'matched on'],
    explanations.map((e) => [
      e.leaseId,
      e.propertyId,
      e.jurisdiction,
      e.kind,
      e.spaceType ?? '',
      policyLabel(e),
      e.level ?? '',
    ]),
  );
  const matrix = renderTable(
    ['state', 'kind', 'space type', 'workflow', 'leases'],
    workflowMatrix(explanations).flatMap((row) =>
      row.policies.map((p) => [
        row.jurisdiction,
        row.kind,
        row.spaceType ?? '(none)',
        p.policy === null ? '(none)' : `${p.policy} (${p.level})`,
        String(p.leases),
      ]),
    ),
  );
  const overrides = explanations.filter((e) => e.policy?.appliesTo.propertyIds);
  const unmatched = explanations.filter((e) => !e.policy);
  let tail = '';
  if (overrides.length > 0)
    tail += `\nProperty-level overrides\n${[...new Set(overrides.map((e) => `  ${e.propertyId}: ${policyLabel(e)}`))].join('\n')}\n`;
  if (unmatched.length > 0)
    tail += `\nNo policy applies to ${unmatched.length} lease${unmatched.length === 1 ? '' : 's'} (not evaluated): ${unmatched.map((e) => e.leaseId).join(', ')}\n`;
  return `${head}${leases}\n\nWorkflows per state × kind × space type\n${matrix}\n${tail}`;
}

function renderOne(e: PolicyExplanation): string {
  const lines = [
    `Lease ${e.leaseId}: property ${e.propertyId} (${e.jurisdiction}, ${e.kind}), space type ${e.spaceType ?? '(none)'}${e.leaseTags.length ? `, tags ${e.leaseTags.join(', ')}` : ''}`,
    `Workflow: ${e.why ?? '(none)'}`,
    '',
    'Why',
    ...e.reasons.map((r) => `  - ${r}`),
    '',
    'Policies considered',
    renderTable(
      ['policy', 'applies to', 'matches', 'result'],
      e.candidates.map((c) => [
        `${c.policyId} v${c.version}`,
        c.level,
        c.matched ? 'yes' : 'no',
        c.outcome,
      ]),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerPolicyWhich(policyCmd: Command, ctx: CliContext): void {
  policyCmd
    .command('which')
    .description(
      'which stored workflow governs each stored lease, and why (property override > state × space type > state > kind > default)',
    )
    .option('--lease <id>', 'explain one lease: every policy considered and why the winner won')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {"policies", "leases": [...], "workflows": [...]}')
    .action(async (opts: WhichOptions) => {
      const { explanations, stored } = await withRuntime(
        { db: opts.db, env: ctx.env, cwd: ctx.cwd },
        async (rt) => {
          const stores = storesFor(rt.db);
          const current = await stores.policies.current(rt.orgId);
          const portfolio = await stores.portfolio.loadPortfolio(
            rt.orgId,
            opts.lease !== undefined ? [opts.lease] : undefined,
          );
          return {
            stored: current.length,
            explanations: explainPortfolio(
              portfolio,
              current.map((s) => s.policy),
              opts.lease,
            ),
          };
        },
      );
      if (opts.lease !== undefined && explanations.length === 0)
        throw new InputError([
          {
            path: '--lease',
            message: `no stored lease has id \`${opts.lease}\`: check the id (\`arrears policy which\` lists every stored lease), or import the portfolio first`,
          },
        ]);
      if (opts.json) {
        const out = {
          policies: stored,
          leases: explanations.map(explanationJson),
          workflows: workflowMatrix(explanations),
        };
        ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      if (stored === 0)
        ctx.stderr('no policies are stored: store one with `arrears policy apply FILE`\n');
      ctx.stdout(
        opts.lease !== undefined
          ? renderOne(explanations[0]!)
          : renderOverview(explanations, stored),
      );
    });
}
