/**
 * `arrears report NAME`, `arrears exceptions` and `arrears changes`. The aging report has
 * SPEC 9's exact JSON shape; the other report names come with the reports issue.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { agingFromStore, changesSinceLastRun, exceptionsFromStore } from '../../app/run-reports.js';
import { isLocalDate } from '../../domain/dates.js';
import { InputError } from '../../domain/errors.js';
import { formatCents } from '../../domain/money.js';
import { agingReportCsv } from '../../domain/reports/aging-report.js';
import { storesFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { renderTable } from '../timeline-table.js';
import { DB_OPTION_HELP } from './migrate.js';

const REPORTS = [
  'aging',
  'delinquency',
  'pipeline',
  'promises',
  'collections',
  'notices',
  'fees',
  'weekly',
  'owner',
];
const AVAILABLE = new Set(['aging']);

function dateOption(value: string | undefined, flag: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (!isLocalDate(value))
    throw new InputError([
      { path: flag, message: `\`${value}\` is not a date; write it as YYYY-MM-DD` },
    ]);
  return value;
}

export function registerReports(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(`reports: ${REPORTS.join(', ')}`)
    .argument('<name>', 'report name')
    .option('--at <date>', 'as of this local date (default: today)')
    .option('--format <format>', 'json or csv (pdf comes with the documents issue)', 'json')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (
        name: string,
        opts: { at?: string; format: string; out?: string; db?: string; json?: boolean },
      ) => {
        if (!REPORTS.includes(name))
          throw new InputError([
            {
              path: 'NAME',
              message: `\`${name}\` is not a report; use one of ${REPORTS.join(', ')}`,
            },
          ]);
        if (!AVAILABLE.has(name))
          throw new InputError([
            {
              path: 'NAME',
              message: `the ${name} report is not available in this version; available: ${[...AVAILABLE].join(', ')}`,
            },
          ]);
        const format = opts.json ? 'json' : opts.format;
        if (format !== 'json' && format !== 'csv')
          throw new InputError([
            { path: '--format', message: `\`${opts.format}\` is not available; use json or csv` },
          ]);
        const report = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
          agingFromStore(
            storesFor(rt.db),
            rt.orgId,
            dateOption(opts.at, '--at', new Date(rt.clock.now()).toISOString().slice(0, 10)),
          ),
        );
        const text =
          format === 'csv' ? agingReportCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
        if (opts.out) {
          await writeFile(resolve(ctx.cwd, opts.out), text);
          ctx.stderr(`wrote ${opts.out}\n`);
        } else ctx.stdout(text);
      },
    );

  program
    .command('exceptions')
    .description('the exception list (SPEC 5): leases that need a human, why, and who owns it')
    .option('--at <date>', 'as of this local date (default: today)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: { at?: string; db?: string; json?: boolean }) => {
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        exceptionsFromStore(
          storesFor(rt.db),
          rt.orgId,
          dateOption(opts.at, '--at', new Date(rt.clock.now()).toISOString().slice(0, 10)),
        ),
      );
      if (opts.json) {
        ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      ctx.stdout(
        `${renderTable(
          ['lease', 'unit', 'state', 'reason', 'owner', 'amount', 'next action', 'due', 'detail'],
          result.rows.map((r) => [
            r.leaseId,
            r.unit,
            r.state,
            r.code,
            r.owner,
            r.amountCents !== undefined ? formatCents(r.amountCents) : '',
            r.nextAction,
            r.due ?? '',
            r.detail,
          ]),
        )}\n`,
      );
    });

  program
    .command('changes')
    .description(
      'what changed since the last run: cases, payments, balances, replies, holds, promises',
    )
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const last = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        changesSinceLastRun(storesFor(rt.db), rt.orgId),
      );
      if (opts.json) {
        ctx.stdout(`${JSON.stringify(last ?? { changes: [] }, null, 2)}\n`);
        return;
      }
      if (!last) {
        ctx.stdout('no scan has finished yet\n');
        return;
      }
      const changes = last.changes as { leaseId: string; type: string; detail: string }[];
      ctx.stdout(`scan as of ${last.asOf}: ${changes.length} change(s)\n`);
      if (changes.length > 0)
        ctx.stdout(
          `${renderTable(
            ['lease', 'change', 'detail'],
            changes.map((c) => [c.leaseId, c.type, c.detail]),
          )}\n`,
        );
    });
}
