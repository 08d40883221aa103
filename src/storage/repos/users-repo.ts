/**
 * Staff users in the `users` table: `UserStore` (app/ports/users.ts). E-mails are stored
 * lower-case and unique per organisation (constraint `users_email_uq`); the first user of an
 * organisation is always an admin, decided under a lock on the organisation row so two
 * concurrent first users cannot both be made admin by default.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Clock } from '../../app/ports/clock.js';
import { systemClock } from '../../app/ports/clock.js';
import type { AddedUser, User, UserStore } from '../../app/ports/users.js';
import { isRole, ROLES, type Role } from '../../domain/outbox/approval.js';
import { AppError, InputError } from '../../domain/errors.js';
import type { Db } from '../database.js';
import type { UsersTable } from '../schema.js';
import { appendAudit } from './audit-repo.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createUsersRepo(db: Db, clock: Clock = systemClock): UserStore {
  return {
    async addUser(orgId, email, role, actor = 'system:cli'): Promise<AddedUser> {
      const normalised = normaliseEmail(email);
      const issues = [];
      if (!EMAIL.test(normalised))
        issues.push({ path: 'EMAIL', message: `\`${email}\` is not an e-mail address` });
      if (!isRole(role))
        issues.push({
          path: '--role',
          message: `\`${role}\` is not a role; use one of ${ROLES.join(', ')}`,
        });
      if (issues.length > 0) throw new InputError(issues);
      const requested = role as Role;
      const at = new Date(clock.now()).toISOString();
      return db.transaction(async (trx) => {
        let lock = trx.selectFrom('organisations').select('id').where('id', '=', orgId);
        if (trx.dialect === 'postgres') lock = lock.forUpdate();
        if (!(await lock.executeTakeFirst()))
          throw new AppError('not_found', `organisation ${orgId} does not exist`);
        const existing = await trx
          .selectFrom('users')
          .select(['email'])
          .where('org_id', '=', orgId)
          .orderBy('created_at')
          .execute();
        if (existing.some((u) => u.email === normalised))
          throw new AppError('conflict', `a user ${normalised} already exists in ${orgId}`);
        const first = existing.length === 0;
        const user: Selectable<UsersTable> = {
          id: randomUUID(),
          org_id: orgId,
          email: normalised,
          role: first ? 'admin' : requested,
          password_hash: null,
          created_at: at,
          owner_id: null,
          property_ids: null,
        };
        await trx.insertInto('users').values(user).execute();
        await appendAudit(trx, orgId, {
          at,
          actor,
          type: 'user.added',
          subject: `user:${user.id}`,
          data: {
            userId: user.id,
            email: user.email,
            role: user.role,
            ...(first && requested !== 'admin' ? { requestedRole: requested } : {}),
          },
        });
        const added: AddedUser = { user: toUser(user) };
        if (first && requested !== 'admin') added.requestedRole = requested;
        return added;
      });
    },

    async findByEmail(orgId, email) {
      const row = await db.kysely
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('email', '=', normaliseEmail(email))
        .executeTakeFirst();
      return row && toUser(row);
    },

    async getById(orgId, id) {
      const row = await db.kysely
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toUser(row);
    },

    async firstAdmin(orgId) {
      const row = await db.kysely
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('role', '=', 'admin')
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row && toUser(row);
    },

    async list(orgId) {
      const rows = await db.kysely
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .orderBy('email')
        .execute();
      return rows.map(toUser);
    },

    async setPassword(orgId, userId, passwordHash, actor = 'system:cli') {
      const at = new Date(clock.now()).toISOString();
      await db.transaction(async (trx) => {
        const r = await trx
          .updateTable('users')
          .set({ password_hash: passwordHash })
          .where('org_id', '=', orgId)
          .where('id', '=', userId)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0)
          throw new AppError('not_found', `no user ${userId} in ${orgId}`);
        // Existing sessions end with the old password.
        await trx
          .updateTable('sessions')
          .set({ revoked_at: at })
          .where('org_id', '=', orgId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
        await appendAudit(trx, orgId, {
          at,
          actor,
          type: 'user.password_set',
          subject: `user:${userId}`,
          data: { userId },
        });
      });
    },

    async passwordHashOf(orgId, userId) {
      const row = await db.kysely
        .selectFrom('users')
        .select('password_hash')
        .where('org_id', '=', orgId)
        .where('id', '=', userId)
        .executeTakeFirst();
      return row?.password_hash ?? null;
    },

    async setScope(orgId, userId, scope, actor = 'system:cli') {
      const at = new Date(clock.now()).toISOString();
      await db.transaction(async (trx) => {
        const r = await trx
          .updateTable('users')
          .set({
            owner_id: scope.ownerId,
            property_ids: scope.propertyIds === null ? null : JSON.stringify(scope.propertyIds),
          })
          .where('org_id', '=', orgId)
          .where('id', '=', userId)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0)
          throw new AppError('not_found', `no user ${userId} in ${orgId}`);
        await appendAudit(trx, orgId, {
          at,
          actor,
          type: 'user.scope_set',
          subject: `user:${userId}`,
          data: { userId, ownerId: scope.ownerId, propertyIds: scope.propertyIds },
        });
      });
    },

    async visiblePropertyIds(user) {
      return visiblePropertyIds(db, user);
    },
  };
}

/**
 * The properties a user may see, or null for all: an owner sees the properties of its
 * owner id (none without one); anyone with `property_ids` sees those.
 */
export async function visiblePropertyIds(
  db: Db,
  user: Pick<User, 'orgId' | 'role' | 'ownerId' | 'propertyIds'>,
): Promise<string[] | null> {
  let ids: string[] | null = user.propertyIds;
  if (user.role === 'owner') {
    const owned =
      user.ownerId === null
        ? []
        : (
            await db.kysely
              .selectFrom('properties')
              .select('id')
              .where('org_id', '=', user.orgId)
              .where('owner_id', '=', user.ownerId)
              .execute()
          ).map((r) => r.id);
    ids = ids === null ? owned : owned.filter((id) => ids!.includes(id));
  }
  return ids;
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: isRole(row.role) ? row.role : 'auditor',
    createdAt: row.created_at,
    ownerId: row.owner_id,
    propertyIds: row.property_ids === null ? null : (JSON.parse(row.property_ids) as string[]),
  };
}
