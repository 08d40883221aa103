/**
 * Resolving an item whose outcome is `unknown` (SPEC 1.2): a non-idempotent provider's answer
 * was lost, so nobody knows whether the message or notice went out. The engine never retries
 * it blindly; a person who checked (the provider's console, the post office, the tenant)
 * says what happened, with a reason, and the item moves as the transition table allows for a
 * user: went out (`sent`), did not and give up (`failed`), did not and send it again
 * (`approved`, dispatched on the next pass), or drop it (`cancelled`).
 */
import type { OutboxItem, OutboxStatus } from './ports/outbox.js';
import type { User } from './ports/users.js';
import { assertMayDecide, type ApprovalDeps, type Refused } from './approve-action.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import { canTransition } from '../domain/outbox/index.js';
import { InputError } from '../domain/errors.js';

export const RESOLUTIONS = ['sent', 'failed', 'resend', 'cancel'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** The status each resolution leads to (domain/outbox/states.ts rows `unknown → … (user)`). */
export const RESOLUTION_STATUS: Readonly<Record<Resolution, OutboxStatus>> = {
  sent: 'sent',
  failed: 'failed',
  resend: 'approved',
  cancel: 'cancelled',
};

export function isResolution(value: string): value is Resolution {
  return (RESOLUTIONS as readonly string[]).includes(value);
}

export type ResolveResult =
  | { ok: true; item: OutboxItem; from: OutboxStatus; outcome: Resolution }
  | ({ ok: false } & Refused);

export async function resolveUnknown<Tx>(
  deps: ApprovalDeps<Tx>,
  orgId: string,
  user: User,
  key: string,
  outcome: string,
  reason: string,
): Promise<ResolveResult> {
  const issues = [];
  if (!isResolution(outcome))
    issues.push({
      path: '--outcome',
      message: `\`${outcome}\` is not an outcome; use one of ${RESOLUTIONS.join(', ')} (sent: it went out; failed: it did not, give up; resend: it did not, send it again; cancel: drop it)`,
    });
  const why = reason.trim();
  if (why === '')
    issues.push({
      path: '--reason',
      message: 'say how you know, e.g. --reason "provider console shows it delivered at 10:02"',
    });
  if (issues.length > 0) throw new InputError(issues);
  const resolution = outcome as Resolution;
  assertMayDecide(user, 'resolve');
  const to = RESOLUTION_STATUS[resolution];
  const at = new Date(deps.clock.now()).toISOString();
  return deps.outbox.transaction(async (tx): Promise<ResolveResult> => {
    const item = await deps.outbox.lock(tx, orgId, key);
    if (!item)
      return {
        ok: false,
        key,
        code: 'not_found',
        message: `no outbox item ${key}; \`arrears outbox --status unknown\` lists the items to resolve`,
      };
    // Only `unknown` has user rows to these statuses; any other status is a conflict, not a
    // transition the store should attempt.
    if (item.status !== 'unknown' || !canTransition(item.status, to, 'user'))
      return {
        ok: false,
        key,
        code: 'conflict',
        message: `${key} is ${item.status}, not unknown; only an item whose outcome is unknown can be resolved (\`arrears outbox --status unknown\` lists them)`,
      };
    const resolved = await deps.outbox.transition(tx, orgId, key, to, {
      actor: `user:${user.id}`,
      reason: why,
      at,
      audit: { resolution: resolution, role: user.role },
    });
    return { ok: true, item: resolved, from: item.status, outcome: resolution };
  });
}
