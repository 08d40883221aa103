/**
 * Who may approve what (SPEC 4 R13, SPEC 10 roles). Pure rules; the use cases in app/ load
 * the state, ask these functions, and write what they decide.
 *
 * - Staff roles: `admin, manager, collections, legal, finance` approve and reject;
 *   `owner` and `auditor` are read-only and may not.
 * - An approval is for one draft version: editing the draft makes a new version, and the
 *   approvals of older versions no longer count.
 * - An item needing two approvals needs two different users; the same user twice is refused.
 * - A draft sent back to review by the dispatcher needs at least one approval, even if it
 *   needed none when it was planned.
 */
import type { OutboxStatus } from './states.js';

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

export const APPROVER_ROLES: readonly Role[] = [
  'admin',
  'manager',
  'collections',
  'legal',
  'finance',
];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function canApprove(role: string): boolean {
  return (APPROVER_ROLES as readonly string[]).includes(role);
}

/** Approvals a draft needs before it may go: 1 or 2 (a draft always needs at least one). */
export function approvalsNeededFor(approvalsRequired: number): number {
  return Math.min(2, Math.max(1, approvalsRequired));
}

export interface ApprovalState {
  key: string;
  status: OutboxStatus;
  version: number;
  approvalsRequired: number;
  /** Users who approved the current version. */
  approvedBy: readonly string[];
}

export interface Approver {
  id: string;
  email: string;
  role: string;
}

export type Refusal = { ok: false; code: 'forbidden' | 'conflict'; message: string };

export type ApprovalDecision =
  { ok: true; count: number; required: number; complete: boolean } | Refusal;

export function decideApproval(state: ApprovalState, user: Approver): ApprovalDecision {
  const refused = roleRefusal(user, 'approve');
  if (refused) return refused;
  if (state.status === 'approved')
    return { ok: false, code: 'conflict', message: `${state.key} is already approved` };
  if (state.status !== 'draft')
    return {
      ok: false,
      code: 'conflict',
      message: `${state.key} is ${state.status}, not a draft awaiting approval`,
    };
  const required = approvalsNeededFor(state.approvalsRequired);
  if (state.approvedBy.includes(user.id))
    return {
      ok: false,
      code: 'conflict',
      message:
        `${user.email} already approved version ${state.version} of ${state.key}` +
        (required > 1
          ? `; it needs ${required} approvals by different users: ask another approver`
          : ''),
    };
  const count = state.approvedBy.length + 1;
  return { ok: true, count, required, complete: count >= required };
}

export type RejectionDecision = { ok: true } | Refusal;

export function decideRejection(
  state: Pick<ApprovalState, 'key' | 'status'>,
  user: Approver,
  reason: string,
): RejectionDecision {
  const refused = roleRefusal(user, 'reject');
  if (refused) return refused;
  if (reason.trim() === '')
    return { ok: false, code: 'conflict', message: 'a rejection needs a reason' };
  if (state.status !== 'draft' && state.status !== 'approved')
    return {
      ok: false,
      code: 'conflict',
      message: `${state.key} is ${state.status}; only a draft or an approved item not yet dispatched can be rejected`,
    };
  return { ok: true };
}

export function decideEdit(
  state: Pick<ApprovalState, 'key' | 'status'>,
  user: Approver,
): { ok: true } | Refusal {
  const refused = roleRefusal(user, 'edit');
  if (refused) return refused;
  if (state.status !== 'draft' && state.status !== 'approved')
    return {
      ok: false,
      code: 'conflict',
      message: `${state.key} is ${state.status}; only a draft or an approved item not yet dispatched can be edited`,
    };
  return { ok: true };
}

function roleRefusal(user: Approver, verb: string): Refusal | undefined {
  if (canApprove(user.role)) return undefined;
  return {
    ok: false,
    code: 'forbidden',
    message: `${user.email} is ${article(user.role)} ${user.role}, who may not ${verb} outbox items (roles that may: ${APPROVER_ROLES.join(', ')})`,
  };
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
