/**
 * Dashboard sessions (SPEC 10): a random token in an HttpOnly cookie; only its sha256 is
 * stored, with the session's CSRF token and expiry. Principals carry the user's property
 * scope, resolved at each request so a scope change applies at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../app/ports/clock.js';
import type { Authentication, SessionStore } from '../../app/ports/auth.js';
import { isRole } from '../../domain/outbox/approval.js';
import type { Db } from '../database.js';
import { visiblePropertyIds } from './users-repo.js';

export const SESSION_PREFIX = 'ses_';

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createSessionsRepo(db: Db, clock: Clock): SessionStore {
  return {
    async create(orgId, userId, ttlMs) {
      const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(24).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now + ttlMs).toISOString();
      await db.kysely
        .insertInto('sessions')
        .values({
          token_sha256: hashSessionToken(token),
          org_id: orgId,
          user_id: userId,
          csrf_token: csrfToken,
          created_at: new Date(now).toISOString(),
          expires_at: expiresAt,
          revoked_at: null,
        })
        .execute();
      return { token, csrfToken, expiresAt };
    },

    async authenticate(token): Promise<(Authentication & { csrfToken?: string }) | null> {
      if (!token.startsWith(SESSION_PREFIX)) return null;
      const row = await db.kysely
        .selectFrom('sessions as s')
        .innerJoin('users as u', (j) =>
          j.onRef('u.id', '=', 's.user_id').onRef('u.org_id', '=', 's.org_id'),
        )
        .select([
          'u.id as user_id',
          'u.email',
          'u.role',
          'u.owner_id',
          'u.property_ids',
          's.org_id',
          's.csrf_token',
          's.expires_at',
        ])
        .where('s.token_sha256', '=', hashSessionToken(token))
        .where('s.revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row || Date.parse(row.expires_at) <= clock.now()) return null;
      if (!isRole(row.role)) return { ok: false, reason: 'no_role' };
      const propertyIds = await visiblePropertyIds(db, {
        orgId: row.org_id,
        role: row.role,
        ownerId: row.owner_id,
        propertyIds: row.property_ids === null ? null : (JSON.parse(row.property_ids) as string[]),
      });
      return {
        ok: true,
        csrfToken: row.csrf_token,
        principal: {
          userId: row.user_id,
          email: row.email,
          role: row.role,
          orgId: row.org_id,
          propertyIds,
          via: 'session',
        },
      };
    },

    async revoke(token) {
      await db.kysely
        .updateTable('sessions')
        .set({ revoked_at: new Date(clock.now()).toISOString() })
        .where('token_sha256', '=', hashSessionToken(token))
        .where('revoked_at', 'is', null)
        .execute();
    },

    async usersWithEmail(email) {
      const rows = await db.kysely
        .selectFrom('users')
        .select(['id', 'org_id', 'password_hash'])
        .where('email', '=', email.trim().toLowerCase())
        .execute();
      return rows.map((r) => ({ userId: r.id, orgId: r.org_id, passwordHash: r.password_hash }));
    },
  };
}
