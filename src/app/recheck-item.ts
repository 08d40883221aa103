/**
 * The dispatch-time re-check (SPEC principle 3, R13): right before an item goes out, read
 * the lease again and evaluate it as of now. A closed case cancels (paid / closed), a hold
 * keeps it waiting, lost consent or contact skips it, and a past-due amount different
 * from the one the draft was approved for sends it back to review (balance_changed).
 * A message also waits when the recipient is outside the send window or quiet days (R3)
 * or the contact's frequency cap is reached (R11) at the instant it would really go: an
 * item approved at 21:30 does not go out at 21:30.
 */
import { E_DELIVERY, WINDOWED_CHANNELS } from '../domain/evaluator/contacts.js';
import { evaluateLease, type LeaseInput } from '../domain/evaluator/lease-run.js';
import {
  capAllowsAt,
  frequencyCapOf,
  nextAllowedEpoch,
  sendWindowOf,
} from '../domain/evaluator/send-window.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { staleLedgerSince } from '../domain/evaluator/stale-ledger.js';
import { epochToLocal } from '../domain/time.js';
import { storedPastDue } from './plan-items.js';
import { renderedMessage } from './render-messages.js';
import type { Clock } from './ports/clock.js';
import type { ContactAttempts, OutboxItem, Recheck, RecheckResult } from './ports/outbox.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';

export interface RecheckDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  policies: PolicyStore;
  state: ScanStateStore;
  /** Earlier attempts per contact point; without it only the send window is applied. */
  attempts?: ContactAttempts;
}

/** Item types whose content depends on the amount owed: a changed balance needs review. */
const AMOUNT_SENSITIVE = new Set(['message', 'document', 'fee', 'escalate', 'auction']);

/** What a stale ledger keeps from going out (R8): fees and communications. */
const STALE_HELD = new Set(['message', 'document', 'fee']);

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
  // R8 stale_ledger: fees and communications wait (queued, not shifted) for a fresh sync.
  if (STALE_HELD.has(item.type) && staleLedgerSince(input, portfolio.sources, nowMs) !== null)
    return { wait: 'hold' };
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
  const notNow = await sendRules(deps, item, input, nowMs);
  if (notNow) return notNow;
  const pastDueCents = storedPastDue(input, today);
  // The planned text names the old amount; a person's edit is theirs to redo.
  const rendered =
    item.pastDueCents !== null && pastDueCents !== item.pastDueCents && item.version === 1
      ? renderedMessage(input, item, today)
      : null;
  const content = rendered ? { content: { ...rendered } } : {};
  if (
    item.pastDueCents !== null &&
    AMOUNT_SENSITIVE.has(item.type) &&
    pastDueCents !== item.pastDueCents
  )
    return { review: 'balance_changed', pastDueCents, ...content };
  return { ok: true, pastDueCents, ...content };
}

/** R3 and R11 at the instant of sending: the next allowed instant, if not now. */
async function sendRules(
  deps: RecheckDeps,
  item: OutboxItem,
  input: LeaseInput,
  nowMs: number,
): Promise<RecheckResult | null> {
  const method = item.method ?? item.channel;
  if (!method || item.contactId === null) return null;
  const contact = input.contacts.find((c) => c.id === item.contactId);
  const zone = contact?.timezone ?? input.property.timezone;
  if (WINDOWED_CHANNELS.has(method) || E_DELIVERY.has(method)) {
    const next = nextAllowedEpoch(nowMs, zone, sendWindowOf(input.policy));
    if (next > nowMs) return { wait: 'send_window', until: new Date(next).toISOString() };
  }
  const cap = item.channel ? frequencyCapOf(input.policy, item.channel) : undefined;
  if (cap && deps.attempts && item.channel) {
    const since = new Date(nowMs - cap.perDays * 86_400_000).toISOString();
    const attempts = await deps.attempts.attemptsSince(
      item.orgId,
      item.contactId,
      item.channel,
      since,
      item.key,
    );
    const next = capAllowsAt(attempts, nowMs, cap);
    if (next > nowMs) return { wait: 'frequency_cap', until: new Date(next).toISOString() };
  }
  return null;
}
