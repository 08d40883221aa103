/**
 * `arrears handoff LEASE [--status S] [--note N]` (SPEC 9, 11 legal hand-off): records what
 * became of a lease's legal hand-off — prepared, sent, acknowledged, filed, returned — as an
 * audit entry (app/record-handoff.ts); without --status, prints the hand-off's history.
 */
import type { Command } from 'commander';
import {
  HANDOFF_AUDIT_TYPE,
  HANDOFF_STATUSES,
  handoffEntryOf,
  handoffHistory,
  recordHandoff,
  type HandoffEntry,
  type HandoffResult,
  type RecordHandoffDeps,
} from '../../app/record-handoff.js';
import { storesFor, withRuntime, type Runtime } from '../../main.js';
import { auditLogRepo } from '../../storage/repos/audit-log-repo.js';
import { appendAudit } from '../../storage/repos/audit-repo.js';
import { lockOrganisation } from '../../storage/repos/organisations-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

/** The hand-off store over the runtime's database, through the audit repositories. */
function handoffDeps(rt: Runtime): RecordHandoffDeps {
  const log = auditLogRepo(rt.db);
  const portfolio = storesFor(rt.db).portfolio;
  return {
    clock: rt.clock,
    handoffs: {
      async leaseExists(orgId, leaseId) {
        const slice = await portfolio.loadPortfolio(orgId, [leaseId]);
        return slice.leases.some((l) => l.id === leaseId);
      },
      async history(orgId, leaseId) {
        const entries = await log.list(orgId, {
          order: 'asc',
          limit: 1000,
          subject: `lease:${leaseId}`,
          type: HANDOFF_AUDIT_TYPE,
        });
        return entries.map(handoffEntryOf).filter((e): e is HandoffEntry => e !== null);
      },
      append: (orgId, entry) =>
        rt.db.transaction(async (trx) => {
          await lockOrganisation(trx, orgId);
          await appendAudit(trx, orgId, entry);
        }),
    },
  };
}

function historyLines(history: readonly HandoffEntry[]): string {
  if (history.length === 0) return '  (no hand-off recorded)\n';
  return history
    .map(
      (e) =>
        `  ${e.at}  ${e.status.padEnd(12)} ${e.actor}${e.outboxKey ? `  ${e.outboxKey}` : ''}${e.note ? `\n      ${e.note}` : ''}\n`,
    )
    .join('');
}

export function registerHandoff(program: Command, ctx: CliContext): void {
  program
    .command('handoff')
    .description(
      `record a lease's legal hand-off step (${HANDOFF_STATUSES.join(' → ')}), or show its history`,
    )
    .argument('<lease>', 'lease id')
    .option('--status <status>', `the new status: ${HANDOFF_STATUSES.join(', ')}`)
    .option('--note <note>', "what happened, for the audit log (e.g. the court's case number)")
    .option('--as <email>', 'acting user (default $ARREARS_USER)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (
        leaseId: string,
        opts: { status?: string; note?: string; as?: string; db?: string; json?: boolean },
      ) => {
        const who = opts.as ?? ctx.env.ARREARS_USER ?? 'cli';
        const result: HandoffResult | { leaseId: string; history: HandoffEntry[] } =
          await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) =>
            opts.status === undefined
              ? { leaseId, history: await handoffHistory(handoffDeps(rt), rt.orgId, leaseId) }
              : recordHandoff(handoffDeps(rt), rt.orgId, {
                  leaseId,
                  status: opts.status,
                  ...(opts.note !== undefined ? { note: opts.note } : {}),
                  actor: `user:${who}`,
                }),
          );
        if (opts.json) return ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
        if (!('changed' in result)) ctx.stdout(`hand-off of lease ${leaseId}:\n`);
        else if (result.changed)
          ctx.stdout(`hand-off of lease ${leaseId}: ${result.from ?? 'none'} → ${result.status}\n`);
        else
          ctx.stdout(
            `hand-off of lease ${leaseId} is already ${result.status}; nothing recorded\n`,
          );
        ctx.stdout(historyLines(result.history));
      },
    );
}
