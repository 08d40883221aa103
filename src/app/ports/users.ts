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
}
