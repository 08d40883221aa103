/** `arrears scan [--at INSTANT]`: evaluate changed and due leases and queue what is due. */
import type { Command } from 'commander';
import { scanPortfolio } from '../../app/scan-portfolio.js';
import { InputError } from '../../domain/errors.js';
import { scanDepsFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

/** `--at`: an ISO instant, or a local date meaning noon UTC of that day. */
export function parseAtOption(value: string, flag = '--at'): number {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms))
    throw new InputError([
      {
        path: flag,
        message: `\`${value}\` is not an instant; write it as 2026-10-06T16:00:00Z (or a date YYYY-MM-DD)`,
      },
    ]);
  return ms;
}

export function registerScan(program: Command, ctx: CliContext): void {
  program
    .command('scan')
    .description('evaluate changed and due leases and queue the actions now due (idempotent)')
    .option('--at <instant>', 'evaluate as of this instant (ISO-8601 UTC) instead of now')
    .option('--full', 'evaluate every lease, not only changed and due ones')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {evaluated, queued, skipped, cancelled}')
    .action(async (opts: { at?: string; full?: boolean; db?: string; json?: boolean }) => {
      const at = opts.at !== undefined ? parseAtOption(opts.at) : undefined;
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        scanPortfolio(scanDepsFor(rt), {
          orgId: rt.orgId,
          ...(at !== undefined ? { at } : {}),
          full: !!opts.full,
        }),
      );
      if (result.earlierThanLastScan)
        ctx.stderr(
          `warning: this scan is as of ${result.asOf}, earlier than the last scan (as of ${result.earlierThanLastScan}): ` +
            'it adds only what was due then and is missing, changes nothing already queued or sent, ' +
            'and the next scan at the right time cancels or expires what no longer applies\n',
        );
      for (const id of result.unmatched)
        ctx.stderr(`warning: lease ${id}: no stored policy applies to it; it was not evaluated\n`);
      const counts = {
        evaluated: result.evaluated,
        queued: result.queued,
        skipped: result.skipped,
        cancelled: result.cancelled,
      };
      if (opts.json) ctx.stdout(`${JSON.stringify(counts)}\n`);
      else
        ctx.stdout(
          `scan as of ${result.asOf}: ${counts.evaluated} evaluated, ${counts.queued} queued, ` +
            `${counts.skipped} skipped, ${counts.cancelled} cancelled, ${result.expired} expired\n`,
        );
    });
}
