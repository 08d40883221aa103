/**
 * Approving drafts (SPEC R13, SPEC 9 `arrears approve`): one or many keys, or in bulk every
 * draft of the queue (optionally of one stage or property). An approval is for the current
 * draft version; an item needing two approvals needs two different users; `owner` and
 * `auditor` may not approve. Each item is decided in its own transaction, under a lock, so
 * two approvers racing on one item cannot both miss the other's approval.
 */
import type { Clock } from './ports/clock.js';
import type { OutboxStore } from './ports/outbox.js';
import type { User, UserStore } from './ports/users.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import { canApprove, decideApproval, APPROVER_ROLES } from '../domain/outbox/index.js';
import { AppError, InputError, type ErrorCode } from '../domain/errors.js';
import { gateRefusal, type GateResult } from '../domain/gates/gate.js';

export interface ApprovalDeps<Tx> {
  outbox: OutboxStore<Tx>;
  users: UserStore;
  clock: Clock;
  /**
   * The pre-sale / pre-filing gate (app/pre-action-gate.ts `gateFor`): null when the item
   * has none. An item whose gate is not passed is refused (`conflict`), naming what is
   * missing; a passed gate's evidence goes into the approval's audit entry.
   */
  gate?: (orgId: string, key: string) => Promise<GateResult | null>;
}

/** An expected refusal: the use case returns it, the adapter decides how to show it. */
export interface Refused {
  key: string;
  code: ErrorCode;
  message: string;
}

/**
 * The acting user: `email` (from `--as` or `ARREARS_USER`), else the organisation's first
 * admin. Throws `AppError('not_found')` naming the fix when there is none.
 */
export async function resolveActingUser(
  users: UserStore,
  orgId: string,
  email?: string,
): Promise<User> {
  if (email !== undefined && email.trim() !== '') {
    const user = await users.findByEmail(orgId, email);
    if (!user)
      throw new AppError(
        'not_found',
        `no user ${email.trim().toLowerCase()} in organisation ${orgId}; add one with \`arrears user add EMAIL --role ROLE\``,
      );
    return user;
  }
  const admin = await users.firstAdmin(orgId);
  if (!admin)
    throw new AppError(
      'not_found',
      `organisation ${orgId} has no users yet; add one with \`arrears user add EMAIL --role admin\` and act as them with --as EMAIL or ARREARS_USER`,
    );
  return admin;
}

export function assertMayDecide(user: User, verb: string): void {
  if (!canApprove(user.role))
    throw new AppError(
      'forbidden',
      `${user.email} is ${/^[aeiou]/.test(user.role) ? 'an' : 'a'} ${user.role}, who may not ${verb} outbox items (roles that may: ${APPROVER_ROLES.join(', ')})`,
    );
}

export type ApproveTarget =
  /** These keys, in this order; `version` (one key only) guards against a concurrent edit. */
  | { keys: string[]; version?: number }
  /** Every draft in the queue, or those of one stage and/or property. */
  | { all?: boolean; stage?: string; propertyId?: string };

export interface ApproveResult {
  /** Now approved: ready for dispatch when due. */
  approved: { key: string; version: number; approvals: number; required: number }[];
  /** Approval recorded; waiting for another (different) approver. */
  pending: { key: string; version: number; approvals: number; required: number }[];
  /** In bulk mode: drafts this user already approved, waiting for someone else. */
  waiting: { key: string; version: number }[];
  refused: Refused[];
}

type Decided =
  | { refused: Refused }
  | {
      done: {
        key: string;
        version: number;
        approvals: number;
        required: number;
        complete: boolean;
      };
    };

export async function approveActions<Tx>(
  deps: ApprovalDeps<Tx>,
  orgId: string,
  user: User,
  target: ApproveTarget,
): Promise<ApproveResult> {
  assertMayDecide(user, 'approve');
  const result: ApproveResult = { approved: [], pending: [], waiting: [], refused: [] };
  let keys: string[];
  let version: number | undefined;
  if ('keys' in target) {
    keys = [...new Set(target.keys)];
    if (keys.length === 0)
      throw new InputError([{ path: 'KEY', message: 'name at least one key, or use --all' }]);
    if (target.version !== undefined && keys.length !== 1)
      throw new InputError([{ path: 'version', message: 'a version applies to one key only' }]);
    version = target.version;
    const missing: string[] = [];
    for (const key of keys) if (!(await deps.outbox.get(orgId, key))) missing.push(key);
    if (missing.length > 0)
      throw new InputError(
        missing.map((key) => ({
          path: key,
          message:
            'no outbox item with this key; `arrears queue` lists the drafts awaiting approval',
        })),
      );
  } else {
    const filter: { stage?: string; propertyId?: string } = {};
    if (target.stage !== undefined) filter.stage = target.stage;
    if (target.propertyId !== undefined) filter.propertyId = target.propertyId;
    const queue = await deps.outbox.queue(orgId, filter);
    keys = [];
    for (const entry of queue) {
      if (entry.approvals.some((a) => a.userId === user.id))
        result.waiting.push({ key: entry.item.key, version: entry.item.version });
      else keys.push(entry.item.key);
    }
  }

  for (const key of keys) {
    // Checked before the item's transaction: the gate reads other stores.
    const gate = deps.gate ? await deps.gate(orgId, key) : null;
    if (gate && !gate.ok) {
      result.refused.push({ key, code: 'conflict', message: gateRefusal(gate) });
      continue;
    }
    const at = new Date(deps.clock.now()).toISOString();
    const outcome = await deps.outbox.transaction(async (tx): Promise<Decided> => {
      const item = await deps.outbox.lock(tx, orgId, key);
      if (!item) return { refused: { key, code: 'not_found', message: `no outbox item ${key}` } };
      if (version !== undefined && item.version !== version)
        return {
          refused: {
            key,
            code: 'conflict',
            message: `${key} was edited: version ${item.version} is current, not ${version}; review it again`,
          },
        };
      const approvedBy = (await deps.outbox.decisions(tx, orgId, key, item.version))
        .filter((d) => d.decision === 'approved')
        .map((d) => d.userId);
      const decision = decideApproval(
        {
          key,
          status: item.status,
          version: item.version,
          approvalsRequired: item.approvalsRequired,
          approvedBy,
        },
        user,
      );
      if (!decision.ok) return { refused: { key, code: decision.code, message: decision.message } };
      await deps.outbox.recordDecision(
        tx,
        orgId,
        { key, version: item.version, userId: user.id, decision: 'approved', reason: null, at },
        {
          role: user.role,
          approvals: decision.count,
          required: decision.required,
          ...(gate
            ? {
                gate: {
                  kind: gate.kind,
                  items: gate.items.map((i) => ({ item: i.item, evidence: i.evidence })),
                },
              }
            : {}),
        },
      );
      if (decision.complete)
        await deps.outbox.transition(tx, orgId, key, 'approved', {
          actor: `user:${user.id}`,
          at,
          audit: { approvers: [...approvedBy, user.id], required: decision.required },
        });
      return {
        done: {
          key,
          version: item.version,
          approvals: decision.count,
          required: decision.required,
          complete: decision.complete,
        },
      };
    });
    if ('refused' in outcome) result.refused.push(outcome.refused);
    else {
      const { complete, ...entry } = outcome.done;
      (complete ? result.approved : result.pending).push(entry);
    }
  }
  return result;
}
