/**
 * Who is calling (SPEC 10 "Auth"): machines present an API token, the dashboard a session
 * (later). Every request acts as one user of one organisation with one role.
 */

export const ROLES = [
  'admin',
  'manager',
  'collections',
  'legal',
  'finance',
  'owner',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may read but never change anything. */
export const READ_ONLY_ROLES: readonly Role[] = ['owner', 'auditor'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The caller of a request. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  /** Every query the request makes is scoped to this organisation. */
  orgId: string;
  /**
   * The properties the caller may see, when limited (an owner sees the properties of its
   * owner id; a manager may be limited to some); undefined or null: every property of the
   * organisation. Every read of leases, cases, outbox items and reports filters by it.
   */
  propertyIds?: readonly string[] | null;
  /** How the caller proved who they are. */
  via: 'api_token' | 'session';
}

export type Authentication =
  | { ok: true; principal: Principal }
  /** `unknown`: no such token or revoked; `no_role`: the user's role is not one of ROLES. */
  | { ok: false; reason: 'unknown' | 'no_role' };

export interface AuthPort {
  /** The principal an API token stands for. The token itself is never stored or logged. */
  authenticateToken(token: string): Promise<Authentication>;
  /** Dashboard sessions; without them only API tokens are accepted. */
  sessions?: SessionStore;
}

/** A dashboard session as issued: the token goes in the cookie, never in storage. */
export interface IssuedSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

/** Dashboard sessions (storage/repos/sessions-repo.ts). */
export interface SessionStore {
  create(orgId: string, userId: string, ttlMs: number): Promise<IssuedSession>;
  /** The principal and CSRF token of a live session; null when unknown, revoked or expired. */
  authenticate(token: string): Promise<(Authentication & { csrfToken?: string }) | null>;
  revoke(token: string): Promise<void>;
  /** Every user with this e-mail, across organisations (login picks one). */
  usersWithEmail(
    email: string,
  ): Promise<{ userId: string; orgId: string; passwordHash: string | null }[]>;
}
