/**
 * Rejecting a draft (SPEC 9 `arrears reject KEY --reason R`): the item becomes `rejected`
 * with the reviewer's reason, and is never dispatched. An approved item not yet dispatched
 * can be stopped the same way. `owner` and `auditor` may not reject.
 */
import type { OutboxItem } from './ports/outbox.js';
import type { User } from './ports/users.js';
import { assertMayDecide, type ApprovalDeps, type Refused } from './approve-action.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import { decideRejection } from '../domain/outbox/index.js';
import { InputError } from '../domain/errors.js';

export type RejectResult = { ok: true; item: OutboxItem } | ({ ok: false } & Refused);

export async function rejectAction<Tx>(
  deps: ApprovalDeps<Tx>,
  orgId: string,
  user: User,
  key: string,
  reason: string,
): Promise<RejectResult> {
  assertMayDecide(user, 'reject');
  const why = reason.trim();
  if (why === '')
    throw new InputError([
      { path: '--reason', message: 'say why the draft is rejected, e.g. --reason "wrong amount"' },
    ]);
  const at = new Date(deps.clock.now()).toISOString();
  return deps.outbox.transaction(async (tx): Promise<RejectResult> => {
    const item = await deps.outbox.lock(tx, orgId, key);
    if (!item)
      return {
        ok: false,
        key,
        code: 'not_found',
        message: `no outbox item ${key}; \`arrears queue\` lists the drafts awaiting approval`,
      };
    const decision = decideRejection(item, user, why);
    if (!decision.ok) return { ok: false, key, code: decision.code, message: decision.message };
    await deps.outbox.recordDecision(
      tx,
      orgId,
      { key, version: item.version, userId: user.id, decision: 'rejected', reason: why, at },
      { role: user.role, status: item.status },
    );
    const rejected = await deps.outbox.transition(tx, orgId, key, 'rejected', {
      actor: `user:${user.id}`,
      reason: why,
      at,
    });
    return { ok: true, item: rejected };
  });
}
