/**
 * `arrears resolve KEY --outcome sent|failed|resend|cancel --reason R [--as EMAIL]` (SPEC 1.2):
 * a person settles an item whose outcome is `unknown` (a non-idempotent provider's answer was
 * lost). Never done by the engine on its own.
 */
import type { Command } from 'commander';
import { resolveActingUser, type ApprovalDeps } from '../../app/approve-action.js';
import { RESOLUTIONS, resolveUnknown } from '../../app/resolve-unknown.js';
import { AppError, InputError } from '../../domain/errors.js';
import { withRuntime, type Runtime } from '../../main.js';
import type { DbTransaction } from '../../storage/database.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { AS_HELP } from './edit.js';
import { DB_OPTION_HELP } from './migrate.js';
import { outboxItemJson } from './outbox.js';

function deps(rt: Runtime): ApprovalDeps<DbTransaction> {
  return {
    outbox: createOutboxRepo(rt.db, rt.clock),
    users: createUsersRepo(rt.db, rt.clock),
    clock: rt.clock,
  };
}

const SAID: Record<string, string> = {
  sent: 'recorded as sent',
  failed: 'recorded as failed (not retried)',
  resend: 'approved again: the next dispatch sends it',
  cancel: 'cancelled',
};

export function registerResolve(program: Command, ctx: CliContext): void {
  program
    .command('resolve')
    .description(
      'settle an item whose outcome is unknown: sent (it went out), failed (it did not; give up), resend (it did not; send again), cancel',
    )
    .argument('<key>', 'outbox key (`arrears outbox --status unknown` lists them)')
    .requiredOption('--outcome <outcome>', RESOLUTIONS.join(', '))
    .requiredOption('--reason <reason>', 'how you know (recorded in the audit log)')
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the resolved item')
    .action(
      async (
        key: string,
        opts: { outcome: string; reason: string; as?: string; db?: string; json?: boolean },
      ) => {
        const { user, result } = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const d = deps(rt);
            const u = await resolveActingUser(d.users, rt.orgId, opts.as ?? ctx.env.ARREARS_USER);
            return {
              user: u,
              result: await resolveUnknown(d, rt.orgId, u, key, opts.outcome, opts.reason),
            };
          },
        );
        if (!result.ok) {
          if (result.code === 'not_found' || result.code === 'invalid_input')
            throw new InputError([{ path: 'KEY', message: result.message }]);
          throw new AppError(result.code, result.message);
        }
        if (opts.json) {
          ctx.stdout(
            `${JSON.stringify({ ...outboxItemJson(result.item), resolution: result.outcome }, null, 2)}\n`,
          );
          return;
        }
        ctx.stdout(
          `${key}: ${SAID[result.outcome]} (${result.from} → ${result.item.status}, ${user.email})\n`,
        );
      },
    );
}
