/** `arrears simulate`: the pure day-by-day timeline of a portfolio under its policies. */
import type { Command } from 'commander';
import { isLocalDate } from '../../domain/dates.js';
import type { InputIssue } from '../../domain/errors.js';
import { simulate, type SimulationResult } from '../../domain/evaluator/simulate.js';
import type { CliContext } from '../context.js';
import { loadPortfolioAndPolicies } from '../load-inputs.js';
import { renderTimelineTable } from '../timeline-table.js';

interface SimulateOptions {
  portfolio: string;
  policy: string[];
  from: string;
  to: string;
  json?: boolean;
}

export function registerSimulate(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description('day-by-day timeline of what would happen (pure: no database)')
    .requiredOption('--portfolio <file>', 'portfolio JSON (SPEC 3.1)')
    .requiredOption(
      '--policy <file>',
      'policy YAML or JSON; repeat for several',
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .requiredOption('--from <date>', 'first local date simulated (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last local date simulated (YYYY-MM-DD)')
    .option('--json', 'print one JSON document')
    .action(async (opts: SimulateOptions) => {
      const dateIssues: InputIssue[] = [];
      for (const [flag, value] of [
        ['--from', opts.from],
        ['--to', opts.to],
      ] as const)
        if (!isLocalDate(value))
          dateIssues.push({
            path: flag,
            message: `\`${value}\` is not a date; write it as YYYY-MM-DD`,
          });
      if (dateIssues.length === 0 && opts.from > opts.to)
        dateIssues.push({
          path: '--to',
          message: `--to (${opts.to}) is before --from (${opts.from})`,
        });
      const { portfolio, policies } = await loadPortfolioAndPolicies(
        opts.portfolio,
        opts.policy,
        ctx,
        dateIssues,
      );
      const result = simulate(portfolio, policies, opts.from, opts.to);
      for (const id of result.extras.unmatched)
        ctx.stderr(`warning: lease ${id}: no policy applies to it; it was not simulated\n`);
      const out: SimulationResult = {
        from: result.from,
        to: result.to,
        actions: result.actions,
        episodes: result.episodes,
        events: result.events,
      };
      if (opts.json) ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
      else ctx.stdout(renderTimelineTable(out, portfolio));
    });
}
