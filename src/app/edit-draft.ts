/**
 * Editing a draft (SPEC R13): the edit is a new version (an `outbox_versions` row with the
 * full diff), audited with a diff in which strings appear only by hash, and the edited
 * content is what is sent. Approvals are for one version, so an edit resets them; editing
 * an approved item sends it back to `draft`.
 */
import type { JsonObject, OutboxItem } from './ports/outbox.js';
import type { User } from './ports/users.js';
import { assertMayDecide, type ApprovalDeps, type Refused } from './approve-action.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import { applyEdit, auditDiff, decideEdit, diffContent } from '../domain/outbox/index.js';

export type EditResult =
  { ok: true; changed: boolean; version: number; item: OutboxItem } | ({ ok: false } & Refused);

export async function editDraft<Tx>(
  deps: ApprovalDeps<Tx>,
  orgId: string,
  user: User,
  key: string,
  changes: JsonObject,
  options: { version?: number } = {},
): Promise<EditResult> {
  assertMayDecide(user, 'edit');
  const at = new Date(deps.clock.now()).toISOString();
  const actor = `user:${user.id}`;
  return deps.outbox.transaction(async (tx): Promise<EditResult> => {
    const item = await deps.outbox.lock(tx, orgId, key);
    if (!item) return { ok: false, key, code: 'not_found', message: `no outbox item ${key}` };
    const allowed = decideEdit(item, user);
    if (!allowed.ok) return { ok: false, key, code: allowed.code, message: allowed.message };
    if (options.version !== undefined && options.version !== item.version)
      return {
        ok: false,
        key,
        code: 'conflict',
        message: `${key} was edited meanwhile: version ${item.version} is current, not ${options.version}`,
      };
    let content: JsonObject;
    try {
      content = applyEdit(item.payload, changes);
    } catch (e) {
      return { ok: false, key, code: 'invalid_input', message: (e as Error).message };
    }
    const diff = diffContent(item.payload, content);
    if (diff.length === 0) return { ok: true, changed: false, version: item.version, item };
    const version = await deps.outbox.addVersion(
      tx,
      orgId,
      key,
      { content, diff, by: actor, at },
      { diff: auditDiff(diff), approvalsReset: true },
    );
    const edited =
      item.status === 'approved'
        ? await deps.outbox.transition(tx, orgId, key, 'draft', { actor, reason: 'edited', at })
        : await deps.outbox.get(orgId, key, tx);
    return { ok: true, changed: true, version, item: edited ?? item };
  });
}
