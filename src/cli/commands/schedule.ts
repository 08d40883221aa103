/**
 * Scheduled report delivery on the command line (app/deliver-scheduled-reports.ts):
 *
 *   arrears report schedule add NAME [--owner ID] --to EMAIL[,EMAIL] [--cron "0 8 * * 1"] [--tz ZONE]
 *   arrears report schedule list [--json]
 *   arrears report schedule remove ID
 *   arrears report deliver [--at INSTANT] [--json]     (runs the due schedules once)
 *
 * They are subcommands of the `report` command of report.ts, registered onto it from here:
 * `arrears` and `report` read their own options only before a subcommand's name (positional
 * options), so `--to`, `--at`, `--owner` and `--json` after `schedule add` / `deliver` are theirs.
 * `arrears worker` also runs the due schedules on every pass (`withScheduledReports`).
 * E-mail goes over SMTP when `ARREARS_SMTP_URL` (and `ARREARS_SMTP_FROM`) are set, else to the
 * sandbox mailer, which sends nothing.
 */
import type { Command } from 'commander';
import {
  addReportSchedule,
  deliverScheduledReports,
  removeReportSchedule,
  SCHEDULED_REPORTS,
  DEFAULT_REPORT_CRON,
  type DeliverDeps,
  type ScheduledDelivery,
} from '../../app/deliver-scheduled-reports.js';
import { fixedClock } from '../../app/ports/clock.js';
import { storesFor, withRuntime, type Runtime } from '../../main.js';
import type { Dispatcher } from '../../outbox/dispatcher.js';
import { reportMailerFromEnv } from '../../outbox/report-mailer.js';
import { renderReportPdf } from '../../reports/render-pdf.js';
import { reportSchedulesRepo } from '../../storage/repos/report-schedules-repo.js';
import { reportsRepo } from '../../storage/repos/reports-repo.js';
import type { CliContext } from '../context.js';
import { withPassStep } from './publish.js';
import { renderTable } from '../timeline-table.js';
import { DB_OPTION_HELP } from './migrate.js';
import { parseAtOption } from './scan.js';

/** What delivering scheduled reports needs, over the runtime's database and environment. */
export function deliverDepsFor(rt: Runtime): DeliverDeps {
  return {
    ...storesFor(rt.db),
    reports: reportsRepo(rt.db),
    clock: rt.clock,
    schedules: reportSchedulesRepo(rt.db),
    mailer: reportMailerFromEnv(rt.env),
    renderPdf: renderReportPdf,
  };
}

function actorOf(ctx: CliContext): string {
  return ctx.env.ARREARS_USER ? `user:${ctx.env.ARREARS_USER}` : 'system:cli';
}

export function deliveryLine(d: ScheduledDelivery): string {
  const what = `${d.report}${d.ownerId !== null ? ` (owner ${d.ownerId})` : ''} as of ${d.asOf}`;
  switch (d.status) {
    case 'delivered':
      return `${d.scheduleId}: delivered ${what} to ${d.recipients} recipient${d.recipients === 1 ? '' : 's'} (slot ${d.slot})`;
    case 'skipped':
      return `${d.scheduleId}: skipped ${d.slots ?? 1} slot(s) up to ${d.slot}: missed by more than a day`;
    case 'failed':
      return `${d.scheduleId}: failed to deliver ${what}: ${d.reason ?? 'unknown error'}; retried on the next run`;
  }
}

/**
 * The worker's hook: each pass first delivers the due scheduled reports (errors are reported
 * on stderr and the pass goes on), then dispatches the outbox.
 */
export function withScheduledReports(
  rt: Runtime,
  ctx: CliContext,
  dispatcher: Dispatcher,
): Dispatcher {
  const deps = deliverDepsFor(rt);
  return withPassStep(dispatcher, ctx, 'scheduled reports', async () => {
    for (const d of await deliverScheduledReports(deps, ctx.env.ARREARS_ORG ?? null))
      ctx.stderr(`report ${deliveryLine(d)}\n`);
  });
}

interface DbOptions {
  db?: string;
  json?: boolean;
}

export function registerSchedules(program: Command, ctx: CliContext): void {
  const report = program.commands.find((c) => c.name() === 'report');
  if (!report) throw new Error('register the report command before its schedule subcommands');
  // Options before a subcommand's name belong to the command they follow (the root has only
  // --version/--help, so this changes nothing else): `--to`/`--at`/`--json` after `schedule
  // add`/`deliver` are theirs, not `report`'s.
  program.enablePositionalOptions();
  report.enablePositionalOptions();
  const open = <T>(opts: DbOptions, fn: (rt: Runtime) => Promise<T>) =>
    withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, fn);

  const schedule = report
    .command('schedule')
    .description('reports e-mailed on a schedule (e.g. the owner report, Monday 08:00 owner-local)')
    .enablePositionalOptions();

  schedule
    .command('add')
    .description(
      `schedule a report (${SCHEDULED_REPORTS.join(', ')}) by e-mail; the PDF is attached`,
    )
    .argument('<name>', `report name: ${SCHEDULED_REPORTS.join(', ')}`)
    .option('--owner <id>', 'owner report: only this owner (default: every owner)')
    .requiredOption('--to <emails>', 'recipients, comma-separated')
    .option('--cron <pattern>', `cron pattern (default "${DEFAULT_REPORT_CRON}": Monday 08:00)`)
    .option('--tz <zone>', "IANA time zone (default: the owner's first property's zone)")
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the schedule as JSON')
    .action(
      async (
        name: string,
        opts: DbOptions & { owner?: string; to: string; cron?: string; tz?: string },
      ) => {
        const added = await open(opts, (rt) =>
          addReportSchedule(deliverDepsFor(rt), rt.orgId, {
            report: name,
            to: opts.to,
            actor: actorOf(ctx),
            ...(opts.owner !== undefined ? { ownerId: opts.owner } : {}),
            ...(opts.cron !== undefined ? { cron: opts.cron } : {}),
            ...(opts.tz !== undefined ? { timezone: opts.tz } : {}),
          }),
        );
        if (opts.json) ctx.stdout(`${JSON.stringify(added)}\n`);
        else
          ctx.stdout(
            `scheduled ${added.id}: ${added.report}${added.ownerId !== null ? ` for owner ${added.ownerId}` : ''} at "${added.cron}" ${added.timezone} to ${added.recipients.join(', ')}\n`,
          );
      },
    );

  schedule
    .command('list')
    .description('the report schedules')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: DbOptions) => {
      const schedules = await open(opts, (rt) => reportSchedulesRepo(rt.db).list(rt.orgId));
      if (opts.json) {
        ctx.stdout(`${JSON.stringify({ schedules }, null, 2)}\n`);
        return;
      }
      if (schedules.length === 0) {
        ctx.stdout('no report schedules\n');
        return;
      }
      ctx.stdout(
        `${renderTable(
          ['id', 'report', 'owner', 'cron', 'zone', 'to', 'last slot'],
          schedules.map((s) => [
            s.id,
            s.report,
            s.ownerId ?? '',
            s.cron,
            s.timezone,
            s.recipients.join(', '),
            s.lastRunAt ?? '',
          ]),
        )}\n`,
      );
    });

  schedule
    .command('remove')
    .description('remove a report schedule')
    .argument('<id>', 'the schedule id (see `report schedule list`)')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (id: string, opts: DbOptions) => {
      await open(opts, (rt) =>
        removeReportSchedule(deliverDepsFor(rt), rt.orgId, id, actorOf(ctx)),
      );
      ctx.stdout(`removed ${id}\n`);
    });

  report
    .command('deliver')
    .description(
      'deliver the scheduled reports that are due, once (`arrears worker` does it on every pass)',
    )
    .option('--at <instant>', 'as of this instant (ISO-8601 UTC) instead of now')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: DbOptions & { at?: string }) => {
      const at = opts.at !== undefined ? parseAtOption(opts.at) : undefined;
      const deliveries = await withRuntime(
        {
          db: opts.db,
          env: ctx.env,
          cwd: ctx.cwd,
          ...(at !== undefined ? { clock: fixedClock(at) } : {}),
        },
        (rt) => deliverScheduledReports(deliverDepsFor(rt), rt.orgId),
      );
      if (opts.json) ctx.stdout(`${JSON.stringify({ deliveries }, null, 2)}\n`);
      else if (deliveries.length === 0) ctx.stdout('no scheduled report is due\n');
      else for (const d of deliveries) ctx.stdout(`${deliveryLine(d)}\n`);
      if (!ctx.env.ARREARS_SMTP_URL && deliveries.some((d) => d.status === 'delivered'))
        ctx.stderr(
          'sandbox mailer: nothing was e-mailed (set ARREARS_SMTP_URL and ARREARS_SMTP_FROM)\n',
        );
      if (deliveries.some((d) => d.status === 'failed')) ctx.exitCode = 1;
    });
}
