/** `arrears policy preview F --portfolio F --at D`: what each lease would get on one date. */
import type { Command } from 'commander';
import { isLocalDate } from '../../domain/dates.js';
import type { InputIssue } from '../../domain/errors.js';
import { previewPortfolio, type PortfolioPreview } from '../../domain/evaluator/preview.js';
import { formatCents } from '../../domain/money.js';
import type { CliContext } from '../context.js';
import { loadPortfolioAndPolicies } from '../load-inputs.js';
import { renderTable } from '../timeline-table.js';

interface PreviewOptions {
  portfolio: string;
  at: string;
  json?: boolean;
}

export function registerPolicyPreview(policyCmd: Command, ctx: CliContext): void {
  policyCmd
    .command('preview')
    .description('what each lease of a portfolio would get under a policy on one date')
    .argument('<file>', 'policy file, YAML or JSON')
    .argument('[more...]', 'further policy files; each lease gets the most specific match')
    .requiredOption('--portfolio <file>', 'portfolio JSON (SPEC 3.1)')
    .requiredOption('--at <date>', 'local date to preview (YYYY-MM-DD)')
    .option('--json', 'print one JSON document')
    .action(async (file: string, more: string[], opts: PreviewOptions) => {
      const issues: InputIssue[] = [];
      if (!isLocalDate(opts.at))
        issues.push({
          path: '--at',
          message: `\`${opts.at}\` is not a date; write it as YYYY-MM-DD`,
        });
      const { portfolio, policies } = await loadPortfolioAndPolicies(
        opts.portfolio,
        [file, ...more],
        ctx,
        issues,
      );
      const preview = previewPortfolio(portfolio, policies, opts.at);
      if (opts.json) ctx.stdout(`${JSON.stringify(preview, null, 2)}\n`);
      else ctx.stdout(renderPreview(preview));
    });
}

function renderPreview(p: PortfolioPreview): string {
  const rows = p.leases.map((l) => {
    const due = l.today.filter((a) => a.status === 'due').map((a) => `${a.stage}:${a.action}`);
    const passed = new Map<string, number>();
    for (const a of l.today)
      if (a.status !== 'due') {
        const label = `${a.status} ${a.reason ?? ''}`.trim();
        passed.set(label, (passed.get(label) ?? 0) + 1);
      }
    const today = [...due, ...[...passed].map(([label, n]) => `${n} ${label}`)].join(', ');
    return [
      l.leaseId,
      l.policy ? `${l.policy.id} v${l.policy.version}` : '(none)',
      formatCents(l.pastDueCents),
      l.case ? `${l.case.episode} since ${l.case.opened}` : '',
      today,
      l.next ? `${l.next.date} ${l.next.stage}:${l.next.action}` : '',
    ];
  });
  const head = `Arrears policy preview on ${p.at}\n\n`;
  const table = renderTable(['lease', 'policy', 'past due', 'case', `on ${p.at}`, 'next'], rows);
  const why = p.leases
    .filter((l) => l.policy)
    .map((l) => `  ${l.leaseId}: ${l.policy!.why}`)
    .join('\n');
  return `${head}${table}\nWhy each policy applies\n${why}\n`;
}
