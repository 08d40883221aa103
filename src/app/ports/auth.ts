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
  /** How the caller proved who they are. */
  via: 'api_token';
}

export type Authentication =
  | { ok: true; principal: Principal }
  /** `unknown`: no such token or revoked; `no_role`: the user's role is not one of ROLES. */
  | { ok: false; reason: 'unknown' | 'no_role' };

export interface AuthPort {
  /** The principal an API token stands for. The token itself is never stored or logged. */
  authenticateToken(token: string): Promise<Authentication>;
}
