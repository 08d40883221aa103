/**
 * Staff users (SPEC 10 roles). storage/repos/users-repo.ts implements `UserStore`.
 * The first user of an organisation is always an admin; e-mails are stored lower-case and
 * are unique per organisation.
 */
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import type { Role } from '../../domain/outbox/index.js';

// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
export { ROLES, isRole, canApprove, APPROVER_ROLES, type Role } from '../../domain/outbox/index.js';

export interface User {
  id: string;
  orgId: string;
  /** Lower-case. */
  email: string;
  role: Role;
  createdAt: string;
  /** An owner user sees the properties of this owner id. */
  ownerId: string | null;
  /** Limits the user to these properties; null: every property of the organisation. */
  propertyIds: string[] | null;
}

export interface UserScope {
  ownerId: string | null;
  propertyIds: string[] | null;
}

export interface AddedUser {
  user: User;
  /** The role asked for, when the user was made an admin instead (first user of the org). */
  requestedRole?: Role;
}

export interface UserStore {
  /**
   * Adds a user (audited `user.added`). Invalid e-mail or role: `InputError`; an e-mail
   * already used in the organisation: `AppError('conflict')`.
   */
  addUser(orgId: string, email: string, role: string, actor?: string): Promise<AddedUser>;
  findByEmail(orgId: string, email: string): Promise<User | undefined>;
  getById(orgId: string, id: string): Promise<User | undefined>;
  /** The earliest admin of the organisation. */
  firstAdmin(orgId: string): Promise<User | undefined>;
  list(orgId: string): Promise<User[]>;
  /** Stores a password hash (app/passwords.ts) and ends the user's sessions (audited). */
  setPassword(orgId: string, userId: string, passwordHash: string, actor?: string): Promise<void>;
  passwordHashOf(orgId: string, userId: string): Promise<string | null>;
  /** Sets what the user may see (audited `user.scope_set`). */
  setScope(orgId: string, userId: string, scope: UserScope, actor?: string): Promise<void>;
  /** The property ids the user may see, or null for all. */
  visiblePropertyIds(user: User): Promise<string[] | null>;
}
