/**
 * API tokens: `arr_` + 43 base64url characters (256 random bits). Only the sha256 of a
 * token is stored; the token is shown once, when issued. The AuthPort over it resolves a
 * token to its user, organisation, role and property scope.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Authentication, AuthPort } from '../../app/ports/auth.js';
import { isRole } from '../../app/ports/auth.js';
import { AppError } from '../../domain/errors.js';
import { queryable, type Db, type DbTransaction } from '../database.js';
import { visiblePropertyIds } from './users-repo.js';

export const API_TOKEN_PREFIX = 'arr_';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedApiToken {
  /** Shown once; not recoverable afterwards. */
  token: string;
  /** Stored id of the token (its sha256), for revocation. */
  sha256: string;
}

/** Issues a token for a user of `orgId`; `not_found` when the user is not in that organisation. */
export async function issueApiToken(
  target: Db | DbTransaction,
  input: { orgId: string; userId: string; at: string },
): Promise<IssuedApiToken> {
  const k = queryable(target);
  const user = await k
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!user)
    throw new AppError(
      'not_found',
      `no user ${input.userId} in organisation ${input.orgId}; add one with \`arrears user add\``,
    );
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const sha256 = hashApiToken(token);
  await k
    .insertInto('api_tokens')
    .values({
      token_sha256: sha256,
      org_id: input.orgId,
      user_id: input.userId,
      created_at: input.at,
      revoked_at: null,
    })
    .execute();
  return { token, sha256 };
}

/** Revokes a token of `orgId`; false when there was no such active token. */
export async function revokeApiToken(
  db: Db,
  input: { orgId: string; sha256: string; at: string },
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('api_tokens')
    .set({ revoked_at: input.at })
    .where('org_id', '=', input.orgId)
    .where('token_sha256', '=', input.sha256)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function authenticateApiToken(db: Db, token: string): Promise<Authentication> {
  if (!token.startsWith(API_TOKEN_PREFIX)) return { ok: false, reason: 'unknown' };
  const row = await queryable(db)
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', (j) =>
      j.onRef('u.id', '=', 't.user_id').onRef('u.org_id', '=', 't.org_id'),
    )
    .select(['u.id as user_id', 'u.email', 'u.role', 'u.owner_id', 'u.property_ids', 't.org_id'])
    .where('t.token_sha256', '=', hashApiToken(token))
    .where('t.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (!isRole(row.role)) return { ok: false, reason: 'no_role' };
  // A token carries its user's property scope, as a dashboard session does (an owner's
  // token sees its own properties only; a limited manager's, its properties).
  const propertyIds = await visiblePropertyIds(db, {
    orgId: row.org_id,
    role: row.role,
    ownerId: row.owner_id,
    propertyIds: row.property_ids === null ? null : (JSON.parse(row.property_ids) as string[]),
  });
  return {
    ok: true,
    principal: {
      userId: row.user_id,
      email: row.email,
      role: row.role,
      orgId: row.org_id,
      propertyIds,
      via: 'api_token',
    },
  };
}

export function createApiTokenAuth(db: Db): AuthPort {
  return { authenticateToken: (token) => authenticateApiToken(db, token) };
}
