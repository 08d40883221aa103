/**
 * `arrears erase TENANT_ID --reason R [--as EMAIL]` (SPEC 7): erase a tenant's personal data
 * on a lawful request, in one transaction; balances and ledger amounts stay, and the audit
 * chain still verifies. Admins only.
 */
import type { Command } from 'commander';
import { resolveActingUser } from '../../app/approve-action.js';
import { eraseTenant } from '../../app/erase-tenant.js';
import { withRuntime } from '../../main.js';
import { createErasureRepo } from '../../storage/repos/erasure-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { AS_HELP } from './edit.js';
import { DB_OPTION_HELP } from './migrate.js';

export function registerErase(program: Command, ctx: CliContext): void {
  program
    .command('erase')
    .description(
      "erase a tenant's personal data on a lawful request (admins only): name, contacts, their messages and replies, and the audit entries carrying them; amounts stay",
    )
    .argument('<tenant-id>', 'the tenant id, as the portfolio has it')
    .requiredOption(
      '--reason <reason>',
      'the request this answers, e.g. a case number (kept: do not name the tenant)',
    )
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print what was erased')
    .action(
      async (
        tenantId: string,
        opts: { reason: string; as?: string; db?: string; json?: boolean },
      ) => {
        const { user, summary } = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const u = await resolveActingUser(
              createUsersRepo(rt.db, rt.clock),
              rt.orgId,
              opts.as ?? ctx.env.ARREARS_USER,
            );
            return {
              user: u,
              summary: await eraseTenant(
                { erasure: createErasureRepo(rt.db, rt.clock), clock: rt.clock },
                rt.orgId,
                u,
                tenantId,
                opts.reason,
              ),
            };
          },
        );
        if (opts.json) {
          ctx.stdout(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const b = summary.blanked;
        const rows =
          b.events +
          b.replies +
          b.outbox +
          b.outboxVersions +
          b.tasks +
          b.proofsOfService +
          b.ledgerMemos;
        ctx.stdout(
          `erased tenant ${summary.tenantId} (${user.email}): name and contacts blanked, ` +
            `${rows} other row${rows === 1 ? '' : 's'} blanked, ` +
            `${summary.auditEntriesErased.length} audit entr${summary.auditEntriesErased.length === 1 ? 'y' : 'ies'} tombstoned` +
            (summary.cancelled.length
              ? `, ${summary.cancelled.length} pending item(s) to them cancelled`
              : '') +
            `; recorded as audit entry ${summary.erasureSeq}. Balances and ledger amounts are unchanged.\n`,
        );
      },
    );
}
