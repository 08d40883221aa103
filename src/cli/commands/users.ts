/**
 * `arrears user add EMAIL --role R` (SPEC 9): create a staff user; the first user of an
 * organisation is always an admin. `arrears user list` shows them.
 */
import type { Command } from 'commander';
import { ROLES } from '../../app/ports/users.js';
import { withRuntime } from '../../main.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';
import { table } from './outbox.js';

export function registerUsers(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('staff users and their roles');
  user
    .command('add')
    .description('create a user (the first user of an organisation is an admin)')
    .argument('<email>', 'e-mail address (stored lower-case, unique in the organisation)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the user as JSON')
    .action(async (email: string, opts: { role: string; db?: string; json?: boolean }) => {
      const added = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        createUsersRepo(rt.db, rt.clock).addUser(rt.orgId, email, opts.role, 'system:cli'),
      );
      if (added.requestedRole)
        ctx.stderr(
          `note: the first user of an organisation is an admin: ${added.user.email} was added as admin, not ${added.requestedRole}\n`,
        );
      if (opts.json) {
        const { id, email: e, role, createdAt } = added.user;
        ctx.stdout(`${JSON.stringify({ id, email: e, role, createdAt })}\n`);
      } else ctx.stdout(`added user ${added.user.email} (${added.user.role})\n`);
    });
  user
    .command('list')
    .description('every user of the organisation')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {"users": [...]}')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const users = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        createUsersRepo(rt.db, rt.clock).list(rt.orgId),
      );
      if (opts.json) {
        ctx.stdout(
          `${JSON.stringify({ users: users.map(({ id, email, role, createdAt }) => ({ id, email, role, createdAt })) })}\n`,
        );
        return;
      }
      if (users.length === 0)
        ctx.stdout('no users yet; add one with `arrears user add EMAIL --role admin`\n');
      else
        ctx.stdout(
          `${table([['EMAIL', 'ROLE', 'CREATED'], ...users.map((u) => [u.email, u.role, u.createdAt])])}\n`,
        );
    });
}
