/**
 * From one lease's evaluated timeline to what the outbox needs right now: the items that
 * came due by `now` (one per delivery), the keys the plan cancels, and when to look again.
 */
import type { LeaseInput } from '../domain/evaluator/lease-run.js';
import type { LeaseTimeline, PlannedAction } from '../domain/evaluator/types.js';
import { allocate, pastDueOn } from '../domain/ledger/allocation.js';
import type { PlannedItem } from './ports/scan.js';

export interface LeasePlan {
  items: PlannedItem[];
  /** Keys (and delivery sub-keys) the plan cancelled, with the reason. */
  cancelled: { key: string; reason: string }[];
  /** Episodes closed by `now`, with their outcome. */
  closedEpisodes: { episode: number; outcome: string }[];
  /** The next instant something is scheduled after `now` (ISO), or null. */
  nextDueAt: string | null;
}

/**
 * The past-due amount on `date` from the stored ledger only (not the evaluator's simulated
 * fee postings), leaving out fees the engine itself posted (their ids are outbox keys,
 * `{leaseId}:{episode}:…`): what a draft records and what the dispatch re-check compares,
 * so that only the tenant's money moving or new charges count as a changed balance.
 */
export function storedPastDue(input: LeaseInput, date: string): number {
  const engineKey = `${input.lease.id}:`;
  const own = (id: string) => id.startsWith(engineKey) && /^\d+:/.test(id.slice(engineKey.length));
  return pastDueOn(
    allocate(input.ledger.filter((e) => e.date <= date && !(e.category === 'fee' && own(e.id)))),
    date,
    new Set(input.policy.trigger.categories),
  ).pastDueCents;
}

/** Details worth keeping with the item; the renderer and the re-check read them. */
function payloadOf(a: PlannedAction, pastDueCents: number | undefined): Record<string, unknown> {
  const p: Record<string, unknown> = { date: a.date, at: a.at };
  for (const k of [
    'template',
    'title',
    'assignee',
    'dueDate',
    'deny',
    'restore',
    'set',
    'to',
    'feeKind',
    'saleDate',
    'chargeId',
    'occurrence',
    'fallbackFor',
    'deferredFrom',
    'url',
    'event',
    'target',
    'fields',
  ] as const) {
    const v = a[k];
    if (v !== undefined && v !== null) p[k] = v;
  }
  if (pastDueCents !== undefined) p.pastDueCents = pastDueCents;
  return p;
}

export function planItems(
  timeline: LeaseTimeline,
  nowMs: number,
  today: string,
  pastDueAt: (date: string) => number,
): LeasePlan {
  const items: PlannedItem[] = [];
  const cancelled: LeasePlan['cancelled'] = [];
  let next = Infinity;
  for (const a of timeline.actions) {
    const at = Date.parse(a.at);
    if (at > nowMs) {
      if (a.status === 'due') next = Math.min(next, at);
      continue;
    }
    if (a.status === 'cancelled') {
      cancelled.push({ key: a.key, reason: a.reason ?? 'closed' });
      for (const d of a.deliveries ?? [])
        if (d.key !== a.key) cancelled.push({ key: d.key, reason: a.reason ?? 'closed' });
      continue;
    }
    const approvals = a.approvals ?? (a.requiresApproval ? 1 : 0);
    const payload = payloadOf(a, a.status === 'due' ? pastDueAt(a.date) : undefined);
    // One literal of every field (not spreads of a shared base): a full scan plans
    // hundreds of thousands of items, and copying by spread was most of this function.
    const item = (
      key: string,
      method: string | null,
      contactId: string | null,
      due: boolean,
      reason: string | null,
    ): PlannedItem => ({
      leaseId: a.leaseId,
      episode: a.episode,
      stage: a.stage,
      action: a.action,
      type: a.type,
      channel: a.channel,
      dueAt: a.at,
      approvalsRequired: approvals,
      amountCents: a.amountCents,
      policyId: a.policyId ?? null,
      policyVersion: a.policyVersion ?? null,
      payload,
      key,
      method,
      contactId,
      status: due ? (approvals > 0 ? 'draft' : 'approved') : 'skipped',
      reason: due ? null : reason,
    });
    if (a.deliveries && a.deliveries.length > 0) {
      for (const d of a.deliveries)
        items.push(
          item(
            d.key,
            d.method,
            d.contactId,
            a.status === 'due' && d.status === 'due',
            d.reason ?? a.reason,
          ),
        );
    } else items.push(item(a.key, null, null, a.status === 'due', a.reason));
  }
  const closedEpisodes: LeasePlan['closedEpisodes'] = [];
  for (const e of timeline.episodes) {
    if (e.closed === null || e.closed > today) continue;
    closedEpisodes.push({ episode: e.episode, outcome: e.outcome ?? 'closed' });
  }
  return {
    items,
    cancelled,
    closedEpisodes,
    nextDueAt: Number.isFinite(next) ? new Date(next).toISOString() : null,
  };
}
