/**
 * The approval queue (SPEC 9, R13): `arrears queue`, `arrears approve KEY… | --all |
 * --stage S | --property P`, `arrears reject KEY --reason R`. The acting user is `--as EMAIL`,
 * else `ARREARS_USER`, else the organisation's first admin.
 */
import type { Command } from 'commander';
import {
  approveActions,
  resolveActingUser,
  type ApprovalDeps,
  type ApproveTarget,
} from '../../app/approve-action.js';
import { queueEntryJson } from '../../app/outbox-view.js';
import { gateFor } from '../../app/pre-action-gate.js';
import { rejectAction } from '../../app/reject-action.js';
import { AppError, InputError } from '../../domain/errors.js';
import { withRuntime, type Runtime } from '../../main.js';
import type { DbTransaction } from '../../storage/database.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { gateDeps } from './gate.js';
import { DB_OPTION_HELP } from './migrate.js';
import { outboxItemJson, table } from './outbox.js';

const AS_HELP = 'act as this user (default: $ARREARS_USER, else the first admin)';

function deps(rt: Runtime): ApprovalDeps<DbTransaction> {
  return {
    outbox: createOutboxRepo(rt.db, rt.clock),
    users: createUsersRepo(rt.db, rt.clock),
    clock: rt.clock,
    gate: (orgId, key) => gateFor(gateDeps(rt), orgId, key),
  };
}

function actingEmail(opts: { as?: string }, ctx: CliContext): string | undefined {
  return opts.as ?? ctx.env.ARREARS_USER;
}

export function registerApprovals(program: Command, ctx: CliContext): void {
  program
    .command('queue')
    .description('drafts awaiting approval, with what each still needs')
    .option('--stage <stage>', 'only this stage')
    .option('--property <id>', 'only leases of this property')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {"items": [...]}')
    .action(async (opts: { stage?: string; property?: string; db?: string; json?: boolean }) => {
      const entries = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        deps(rt).outbox.queue(rt.orgId, {
          ...(opts.stage !== undefined ? { stage: opts.stage } : {}),
          ...(opts.property !== undefined ? { propertyId: opts.property } : {}),
        }),
      );
      if (opts.json) {
        ctx.stdout(
          `${JSON.stringify(
            {
              items: entries.map(queueEntryJson),
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (entries.length === 0) {
        ctx.stdout('nothing awaits approval\n');
        return;
      }
      ctx.stdout(
        `${table([
          ['KEY', 'CHANNEL', 'DUE', 'APPROVALS', 'NOTE'],
          ...entries.map((e) => [
            e.item.key,
            e.item.method ?? e.item.channel ?? e.item.type,
            e.item.dueAt,
            `${e.approvals.length}/${e.required}` +
              (e.approvals.length
                ? ` (${e.approvals.map((a) => a.email ?? a.userId).join(', ')})`
                : ''),
            e.item.reason ?? '',
          ]),
        ])}\n${entries.length} draft${entries.length === 1 ? '' : 's'} awaiting approval\n`,
      );
    });

  program
    .command('approve')
    .description('approve drafts: the keys named, or in bulk (--all, --stage, --property)')
    .argument('[keys...]', 'outbox keys (as `arrears queue` lists them)')
    .option('--all', 'every draft in the queue')
    .option('--stage <stage>', 'every draft of this stage')
    .option('--property <id>', 'every draft of leases of this property')
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {approved, pending, waiting, refused}')
    .action(
      async (
        keys: string[],
        opts: {
          all?: boolean;
          stage?: string;
          property?: string;
          as?: string;
          db?: string;
          json?: boolean;
        },
      ) => {
        const bulk = opts.all || opts.stage !== undefined || opts.property !== undefined;
        if (keys.length > 0 && bulk)
          throw new InputError([
            { path: 'KEY', message: 'name keys or use --all / --stage / --property, not both' },
          ]);
        if (keys.length === 0 && !bulk)
          throw new InputError([
            {
              path: 'KEY',
              message: 'name the keys to approve, or use --all, --stage S or --property P',
            },
          ]);
        const target: ApproveTarget =
          keys.length > 0
            ? { keys }
            : {
                all: true,
                ...(opts.stage !== undefined ? { stage: opts.stage } : {}),
                ...(opts.property !== undefined ? { propertyId: opts.property } : {}),
              };
        const { user, result } = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const d = deps(rt);
            const u = await resolveActingUser(d.users, rt.orgId, actingEmail(opts, ctx));
            return { user: u, result: await approveActions(d, rt.orgId, u, target) };
          },
        );
        if (result.refused.length > 0) ctx.exitCode = 1;
        if (opts.json) {
          ctx.stdout(
            `${JSON.stringify({ user: { email: user.email, role: user.role }, ...result }, null, 2)}\n`,
          );
          return;
        }
        for (const a of result.approved)
          ctx.stdout(`approved ${a.key} (version ${a.version}, ${a.approvals}/${a.required})\n`);
        for (const p of result.pending)
          ctx.stdout(
            `${p.key}: approval ${p.approvals} of ${p.required} recorded; it needs another approver\n`,
          );
        for (const w of result.waiting)
          ctx.stdout(`${w.key}: you already approved it; waiting for another approver\n`);
        for (const r of result.refused) ctx.stderr(`error: ${r.message}\n`);
        ctx.stdout(
          `${user.email}: ${result.approved.length} approved, ${result.pending.length} awaiting another approver` +
            (result.refused.length ? `, ${result.refused.length} refused` : '') +
            '\n',
        );
      },
    );

  program
    .command('reject')
    .description('reject a draft (it is never dispatched)')
    .argument('<key>', 'outbox key')
    .requiredOption('--reason <reason>', 'why (shown in the outbox and the audit log)')
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the rejected item')
    .action(
      async (key: string, opts: { reason: string; as?: string; db?: string; json?: boolean }) => {
        const { user, result } = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const d = deps(rt);
            const u = await resolveActingUser(d.users, rt.orgId, actingEmail(opts, ctx));
            return { user: u, result: await rejectAction(d, rt.orgId, u, key, opts.reason) };
          },
        );
        if (!result.ok) {
          if (result.code === 'invalid_input')
            throw new InputError([{ path: key, message: result.message }]);
          throw new AppError(result.code, result.message);
        }
        if (opts.json) ctx.stdout(`${JSON.stringify(outboxItemJson(result.item), null, 2)}\n`);
        else ctx.stdout(`rejected ${key} (${user.email}): ${result.item.reason}\n`);
      },
    );
}
