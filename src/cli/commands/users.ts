/**
 * `arrears user add EMAIL --role R` (SPEC 9): create a staff user; the first user of an
 * organisation is always an admin. `arrears user list` shows them. `arrears user token EMAIL`
 * issues an API token for machines (SPEC 10) and `--revoke` withdraws one.
 */
import type { Command } from 'commander';
import { resolveActingUser } from '../../app/approve-action.js';
import { ROLES, type User, type UserScope } from '../../app/ports/users.js';
import { checkPasswordStrength, hashPassword } from '../../app/passwords.js';
import { readInputFile } from '../io.js';
import { AppError, InputError } from '../../domain/errors.js';
import { withRuntime, type Runtime } from '../../main.js';
import type { Db } from '../../storage/database.js';
import {
  API_TOKEN_PREFIX,
  authenticateApiToken,
  hashApiToken,
  issueApiToken,
  revokeApiToken,
} from '../../storage/repos/api-tokens-repo.js';
import { appendAudit } from '../../storage/repos/audit-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { AS_HELP } from './edit.js';
import { DB_OPTION_HELP } from './migrate.js';
import { table } from './outbox.js';

interface TokenOptions {
  revoke?: string;
  as?: string;
  db?: string;
  json?: boolean;
}

interface Revocation {
  sha256: string;
  /**
   * Given the token itself: the user it belongs to (null when it is not active). Given only
   * its sha256, whose token it is cannot be checked (undefined), so only admins may.
   */
  owner?: string | null;
}

/** `--revoke` takes the sha256 printed at issue, or the token itself; never echoes the value. */
async function parseRevocation(value: string, db: Db): Promise<Revocation> {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return { sha256: text.toLowerCase() };
  if (text.startsWith(API_TOKEN_PREFIX)) {
    const auth = await authenticateApiToken(db, text);
    return { sha256: hashApiToken(text), owner: auth.ok ? auth.principal.userId : null };
  }
  throw new InputError([
    {
      path: '--revoke',
      message:
        "not a token's sha256: pass the 64 hex characters printed when the token was issued (or the token itself)",
    },
  ]);
}

/** Admins manage anyone's tokens; everyone else only their own. */
function assertMayManageTokens(actor: User, target: User): void {
  if (actor.role === 'admin' || actor.id === target.id) return;
  throw new AppError(
    'forbidden',
    `${actor.email} is ${/^[aeiou]/.test(actor.role) ? 'an' : 'a'} ${actor.role}, who may manage only their own API tokens; act as an admin (--as) to manage ${target.email}'s`,
  );
}

async function targetUser(rt: Runtime, email: string): Promise<User> {
  const user = await createUsersRepo(rt.db, rt.clock).findByEmail(rt.orgId, email);
  if (!user)
    throw new InputError([
      {
        path: 'EMAIL',
        message: `no user ${email.trim().toLowerCase()} in organisation ${rt.orgId}; \`arrears user list\` shows them, \`arrears user add EMAIL --role R\` adds one`,
      },
    ]);
  return user;
}

interface AddOptions {
  role: string;
  passwordFile?: string;
  owner?: string;
  properties?: string;
  db?: string;
  json?: boolean;
}

/** The first line of the file (a trailing newline from `echo` is not part of it). */
async function readPassword(file: string, ctx: CliContext): Promise<string> {
  const text = (await readInputFile(file, ctx)).replace(/\r?\n[\s\S]*$/, '');
  checkPasswordStrength(text, '--password-file');
  return text;
}

function scopeOf(opts: { owner?: string; properties?: string }): UserScope {
  const ids = opts.properties
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids !== undefined && ids.length === 0)
    throw new InputError([{ path: '--properties', message: 'name at least one property id' }]);
  return { ownerId: opts.owner ?? null, propertyIds: ids ?? null };
}

export function registerUsers(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('staff users and their roles');
  user
    .command('add')
    .description('create a user (the first user of an organisation is an admin)')
    .argument('<email>', 'e-mail address (stored lower-case, unique in the organisation)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--password-file <file>', 'dashboard password from this file (`-`: standard input)')
    .option('--owner <ownerId>', 'an owner user sees the properties with this ownerId')
    .option('--properties <ids>', 'limit the user to these property ids (comma-separated)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the user as JSON')
    .action(async (email: string, opts: AddOptions) => {
      const password = opts.passwordFile ? await readPassword(opts.passwordFile, ctx) : undefined;
      const hash = password !== undefined ? await hashPassword(password) : undefined;
      const added = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const users = createUsersRepo(rt.db, rt.clock);
        const result = await users.addUser(rt.orgId, email, opts.role, 'system:cli');
        if (hash !== undefined) await users.setPassword(rt.orgId, result.user.id, hash);
        if (opts.owner !== undefined || opts.properties !== undefined)
          await users.setScope(rt.orgId, result.user.id, scopeOf(opts));
        return result;
      });
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
    .command('password')
    .description('set the dashboard password of a user (ends the user’s sessions)')
    .argument('<email>', 'the user')
    .requiredOption(
      '--password-file <file>',
      'the new password from this file (`-`: standard input)',
    )
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (email: string, opts: { passwordFile: string; db?: string }) => {
      const hash = await hashPassword(await readPassword(opts.passwordFile, ctx));
      await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const users = createUsersRepo(rt.db, rt.clock);
        const found = await users.findByEmail(rt.orgId, email);
        if (!found)
          throw new AppError('not_found', `no user ${email}; add one with \`arrears user add\``);
        await users.setPassword(rt.orgId, found.id, hash);
      });
      ctx.stdout(`password set for ${email.trim().toLowerCase()}\n`);
    });
  user
    .command('scope')
    .description('what a user may see: an owner id and/or a list of properties')
    .argument('<email>', 'the user')
    .option(
      '--owner <ownerId>',
      'an owner user sees the properties with this ownerId (`none` clears)',
    )
    .option('--properties <ids>', 'property ids, comma-separated (`all` clears the limit)')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (email: string, opts: { owner?: string; properties?: string; db?: string }) => {
      await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const users = createUsersRepo(rt.db, rt.clock);
        const found = await users.findByEmail(rt.orgId, email);
        if (!found)
          throw new AppError('not_found', `no user ${email}; add one with \`arrears user add\``);
        await users.setScope(rt.orgId, found.id, {
          ownerId:
            opts.owner === undefined ? found.ownerId : opts.owner === 'none' ? null : opts.owner,
          propertyIds:
            opts.properties === undefined
              ? found.propertyIds
              : opts.properties === 'all'
                ? null
                : scopeOf({ properties: opts.properties }).propertyIds,
        });
      });
      ctx.stdout(`scope set for ${email.trim().toLowerCase()}\n`);
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
  user
    .command('token')
    .description(
      'issue an API token for a user (printed once, on stdout), or revoke one with --revoke',
    )
    .argument('<email>', 'the user the token acts as')
    .option(
      '--revoke <sha256>',
      'revoke a token: its sha256 as printed when issued (admins), or the token itself',
    )
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (email: string, opts: TokenOptions) => {
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const actor = await resolveActingUser(
          createUsersRepo(rt.db, rt.clock),
          rt.orgId,
          opts.as ?? ctx.env.ARREARS_USER,
        );
        const target = await targetUser(rt, email);
        const at = new Date(rt.clock.now()).toISOString();
        if (opts.revoke === undefined) {
          assertMayManageTokens(actor, target);
          const issued = await rt.db.transaction(async (trx) => {
            const token = await issueApiToken(trx, { orgId: rt.orgId, userId: target.id, at });
            // The sha256 identifies the token for revocation; the token never enters the log.
            await appendAudit(trx, rt.orgId, {
              at,
              actor: `user:${actor.id}`,
              type: 'api_token.issued',
              subject: `user:${target.id}`,
              data: { userId: target.id, role: target.role, tokenSha256: token.sha256 },
            });
            return token;
          });
          return { kind: 'issued' as const, target, at, ...issued };
        }
        const revocation = await parseRevocation(opts.revoke, rt.db);
        if (revocation.owner === undefined && actor.role !== 'admin')
          throw new AppError(
            'forbidden',
            `only an admin may revoke a token by its sha256; ${actor.email} may revoke their own by passing the token itself`,
          );
        if (typeof revocation.owner === 'string' && revocation.owner !== target.id)
          throw new InputError([
            { path: '--revoke', message: `that token does not belong to ${target.email}` },
          ]);
        assertMayManageTokens(actor, target);
        const revoked = await rt.db.transaction(async (trx) => {
          // revokeApiToken takes a Db; handing it this transaction keeps the revocation and
          // its audit entry in one commit.
          const inTrx: Db = { ...rt.db, kysely: trx };
          const done = await revokeApiToken(inTrx, {
            orgId: rt.orgId,
            sha256: revocation.sha256,
            at,
          });
          if (done)
            await appendAudit(trx, rt.orgId, {
              at,
              actor: `user:${actor.id}`,
              type: 'api_token.revoked',
              subject: `user:${target.id}`,
              data: {
                userId: target.id,
                tokenSha256: revocation.sha256,
                // By sha256 alone the store cannot say whose token it was.
                ownerChecked: revocation.owner !== undefined,
              },
            });
          return done;
        });
        if (!revoked)
          throw new InputError([
            {
              path: '--revoke',
              message: `no active token with that sha256 in organisation ${rt.orgId}: it was never issued there or is already revoked`,
            },
          ]);
        return { kind: 'revoked' as const, target, at, sha256: revocation.sha256 };
      });
      const who = { email: result.target.email, role: result.target.role };
      if (result.kind === 'revoked') {
        if (opts.json)
          ctx.stdout(
            `${JSON.stringify({ revoked: true, sha256: result.sha256, user: who, revokedAt: result.at })}\n`,
          );
        else ctx.stdout(`revoked token ${result.sha256} of ${who.email}\n`);
        return;
      }
      ctx.stderr(
        `warning: this token is shown only once and cannot be recovered; store it now. ` +
          `It acts as ${who.email} (${who.role}). Revoke it with ` +
          `\`arrears user token ${who.email} --revoke ${result.sha256}\`\n`,
      );
      if (opts.json)
        ctx.stdout(
          `${JSON.stringify({ token: result.token, sha256: result.sha256, user: who, createdAt: result.at })}\n`,
        );
      else ctx.stdout(`${result.token}\n`);
    });
}
