/**
 * The dispatch-time re-check (SPEC principle 3, R13): right before an item goes out, read
 * the lease again and evaluate it as of now. A closed case cancels (paid / closed), a hold
 * keeps it waiting, lost consent or contact skips it, and a past-due amount different
 * from the one the draft was approved for sends it back to review (balance_changed).
 */
import { evaluateLease } from '../domain/evaluator/lease-run.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { epochToLocal } from '../domain/time.js';
import { storedPastDue } from './plan-items.js';
import type { Clock } from './ports/clock.js';
import type { OutboxItem, Recheck, RecheckResult } from './ports/outbox.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';

export interface RecheckDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  policies: PolicyStore;
  state: ScanStateStore;
}

/** Item types whose content depends on the amount owed: a changed balance needs review. */
const AMOUNT_SENSITIVE = new Set(['message', 'document', 'fee', 'escalate', 'auction']);

export function makeRecheck(deps: RecheckDeps): Recheck {
  return (item) => recheckItem(deps, item);
}

export async function recheckItem(deps: RecheckDeps, item: OutboxItem): Promise<RecheckResult> {
  // Restoring access after a close is the consequence of the close: never re-checked away.
  if (item.stage.startsWith('$')) return { ok: true, pastDueCents: null };
  const nowMs = deps.clock.now();
  const policies = (await deps.policies.current(item.orgId)).map((s) => s.policy);
  const portfolio = await deps.portfolio.loadPortfolio(item.orgId, [item.leaseId]);
  const input = leaseInputs(portfolio, policies).inputs[0];
  if (!input) return { cancel: 'closed' }; // the lease is gone or no policy governs it
  const today = epochToLocal(nowMs, input.property.timezone).date;
  const tracking = await deps.state.trackingFrom(item.orgId, item.leaseId);
  const from = tracking && tracking <= today ? tracking : today;
  const timeline = evaluateLease(input, { from, to: today });

  const episode = timeline.episodes.find((e) => e.episode === item.episode);
  if (!episode || (episode.closed !== null && episode.closed <= today))
    return { cancel: episode?.outcome === 'paid' || !episode ? 'paid' : 'closed' };
  const standing = timeline.final!;
  if (standing.holds.length > 0) return { wait: 'hold' };
  if (item.contactId !== null) {
    const method = item.method ?? item.channel;
    if (method) {
      const blocked = standing.blocked(item.contactId, method);
      if (blocked) return { skip: blocked };
    }
  }
  const pastDueCents = storedPastDue(input, today);
  if (
    item.pastDueCents !== null &&
    AMOUNT_SENSITIVE.has(item.type) &&
    pastDueCents !== item.pastDueCents
  )
    return { review: 'balance_changed', pastDueCents };
  return { ok: true, pastDueCents };
}
