/** `arrears event FILE` and `arrears case close LEASE --outcome O --reason R`. */
import type { Command } from 'commander';
import { parseEvents, recordEvents } from '../../app/record-events.js';
import { InputError } from '../../domain/errors.js';
import { CLOSE_OUTCOMES } from '../../domain/portfolio/schema.js';
import { epochToLocal } from '../../domain/time.js';
import { storesFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { readInputFile } from '../io.js';
import { DB_OPTION_HELP } from './migrate.js';

export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command('event')
    .description('record events (SPEC 3.1 `events`): replies, promises, holds, releases, flags …')
    .argument('<file>', 'JSON: an array of events, or {"events": [...]}')
    .option('--as <email>', 'acting user recorded in the audit log')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (file: string, opts: { as?: string; db?: string; json?: boolean }) => {
      const events = parseEvents(await readInputFile(file, ctx), file);
      const actor = opts.as ?? ctx.env.ARREARS_USER ?? 'cli';
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        recordEvents(
          { clock: rt.clock, ...storesFor(rt.db) },
          rt.orgId,
          events,
          'cli',
          actor,
          file,
        ),
      );
      const out = {
        recorded: result.counts.events?.inserted ?? 0,
        duplicates: result.counts.events?.unchanged ?? 0,
        leases: result.changedLeaseIds,
      };
      if (opts.json) ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
      else
        ctx.stdout(
          `${out.recorded} event(s) recorded, ${out.duplicates} already known; ${out.leases.length} lease(s) to re-evaluate\n`,
        );
    });

  const caseCmd =
    program.commands.find((c) => c.name() === 'case') ??
    program.command('case').description('act on one case');
  caseCmd
    .command('close')
    .description('close a case by hand; pending actions are cancelled (reason closed)')
    .argument('<lease>', 'lease id')
    .requiredOption('--outcome <outcome>', CLOSE_OUTCOMES.join(', '))
    .requiredOption('--reason <reason>', 'why, for the audit log')
    .option('--date <date>', 'local date of the close (default: today at the property)')
    .option('--as <email>', 'acting user recorded in the audit log')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (
        lease: string,
        opts: {
          outcome: string;
          reason: string;
          date?: string;
          as?: string;
          db?: string;
          json?: boolean;
        },
      ) => {
        if (!(CLOSE_OUTCOMES as readonly string[]).includes(opts.outcome))
          throw new InputError([
            {
              path: '--outcome',
              message: `\`${opts.outcome}\` is not an outcome; use one of ${CLOSE_OUTCOMES.join(', ')}`,
            },
          ]);
        const actor = opts.as ?? ctx.env.ARREARS_USER ?? 'cli';
        const result = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const stores = storesFor(rt.db);
            const slice = await stores.portfolio.loadPortfolio(rt.orgId, [lease]);
            const l = slice.leases[0];
            if (!l)
              throw new InputError([{ path: 'LEASE', message: `no lease has id \`${lease}\`` }]);
            const tz = slice.properties.find((p) => p.id === l.propertyId)?.timezone ?? 'UTC';
            const date = opts.date ?? epochToLocal(rt.clock.now(), tz).date;
            const event = {
              leaseId: lease,
              date,
              type: 'close' as const,
              outcome: opts.outcome as (typeof CLOSE_OUTCOMES)[number],
              reason: opts.reason,
            };
            await recordEvents({ clock: rt.clock, ...stores }, rt.orgId, [event], 'cli', actor);
            return event;
          },
        );
        if (opts.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
        else
          ctx.stdout(
            `case of lease ${lease} closes on ${result.date} (${result.outcome}); the next scan cancels its pending actions\n`,
          );
      },
    );
}
