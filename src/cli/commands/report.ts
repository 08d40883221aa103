/**
 * `arrears report NAME`, `arrears exceptions` and `arrears changes`.
 *
 * `report NAME [--at D] [--from D] [--to D] [--owner ID] [--format json|csv|pdf] [--out F]`
 * runs one report of SPEC 8 (app/run-reports.ts): `aging` (SPEC 9's exact JSON shape),
 * `delinquency`, `pipeline` and `owner` as of `--at` (default today); `promises`,
 * `collections`, `notices`, `fees` and `weekly` over `--from`..`--to` (default the seven
 * days ending on `--at`). JSON and CSV go to stdout or `--out`; a PDF needs `--out`.
 * `--json` is `--format json`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  changesSinceLastRun,
  exceptionsFromStore,
  isReportName,
  PERIOD_REPORTS,
  REPORT_NAMES,
  runReport,
} from '../../app/run-reports.js';
import { isLocalDate } from '../../domain/dates.js';
import { InputError } from '../../domain/errors.js';
import { formatCents } from '../../domain/money.js';
import { storesFor, withRuntime } from '../../main.js';
import { renderReportPdf } from '../../reports/render-pdf.js';
import { reportsRepo } from '../../storage/repos/reports-repo.js';
import type { CliContext } from '../context.js';
import { renderTable } from '../timeline-table.js';
import { DB_OPTION_HELP } from './migrate.js';

const FORMATS = ['json', 'csv', 'pdf'] as const;
type Format = (typeof FORMATS)[number];

function dateOption(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isLocalDate(value))
    throw new InputError([
      { path: flag, message: `\`${value}\` is not a date; write it as YYYY-MM-DD` },
    ]);
  return value;
}

interface ReportOptions {
  at?: string;
  from?: string;
  to?: string;
  owner?: string;
  format: string;
  out?: string;
  db?: string;
  json?: boolean;
}

export function registerReports(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(
      `reports (SPEC 8): ${REPORT_NAMES.join(', ')}; as JSON, CSV or PDF. ${[...PERIOD_REPORTS].join(', ')} cover a period (--from/--to, default the 7 days ending on --at); the others are as of --at`,
    )
    .argument('<name>', `report name: ${REPORT_NAMES.join(', ')}`)
    .option('--at <date>', 'as of this local date (default: today)')
    .option('--from <date>', 'period reports: first day (default: 6 days before --to)')
    .option('--to <date>', 'period reports: last day (default: --at)')
    .option('--owner <id>', 'owner report: only this owner')
    .option('--format <format>', 'json, csv or pdf (pdf needs --out)', 'json')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document (= --format json)')
    .action(async (name: string, opts: ReportOptions) => {
      if (!isReportName(name))
        throw new InputError([
          {
            path: 'NAME',
            message: `\`${name}\` is not a report; use one of ${REPORT_NAMES.join(', ')}`,
          },
        ]);
      const format = (opts.json ? 'json' : opts.format) as Format;
      if (!(FORMATS as readonly string[]).includes(format))
        throw new InputError([
          { path: '--format', message: `\`${opts.format}\` is not a format; use json, csv or pdf` },
        ]);
      if (format === 'pdf' && !opts.out)
        throw new InputError([
          {
            path: '--out',
            message: 'a PDF is written to a file: add --out FILE (e.g. --out report.pdf)',
          },
        ]);
      const at = dateOption(opts.at, '--at');
      const from = dateOption(opts.from, '--from');
      const to = dateOption(opts.to, '--to');
      const output = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const report = await runReport(
          { ...storesFor(rt.db), reports: reportsRepo(rt.db), clock: rt.clock },
          rt.orgId,
          {
            name,
            ...(at !== undefined ? { at } : {}),
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            ...(opts.owner !== undefined ? { ownerId: opts.owner } : {}),
          },
        );
        if (format === 'pdf') return (await renderReportPdf(report.document())).bytes;
        return format === 'csv' ? report.csv() : `${JSON.stringify(report.json, null, 2)}\n`;
      });
      if (opts.out) {
        await writeFile(resolve(ctx.cwd, opts.out), output);
        ctx.stderr(`wrote ${opts.out}\n`);
      } else ctx.stdout(output as string);
    });

  program
    .command('exceptions')
    .description('the exception list (SPEC 5): leases that need a human, why, and who owns it')
    .option('--at <date>', 'as of this local date (default: today)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: { at?: string; db?: string; json?: boolean }) => {
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        exceptionsFromStore(
          { ...storesFor(rt.db), reported: reportsRepo(rt.db) },
          rt.orgId,
          dateOption(opts.at, '--at') ?? new Date(rt.clock.now()).toISOString().slice(0, 10),
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
