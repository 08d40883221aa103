/**
 * R8: holds in force on a date. A hold covers its start date through `until`
 * (inclusive) unless released earlier; a release takes effect on its own date.
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { HoldScope, HoldType } from '../portfolio/schema.js';

export interface ActiveHold {
  type: HoldType;
  scope: HoldScope;
  chargeId?: string;
  start: LocalDate;
  /** Last date in force (inclusive). */
  until?: LocalDate;
  /** Set when released: the hold is not in force on this date or later. */
  releasedOn?: LocalDate;
  /** Released by the next `status` event (grace). */
  untilNextStatus?: boolean;
  promise?: { amountCents: Cents; since: LocalDate };
  plan?: { installments: { dueDate: LocalDate; amountCents: Cents }[]; since: LocalDate };
  /** service_failed: stages from this index on may not fire. */
  blocksFromStage?: number;
}

export function inForce(h: ActiveHold, date: LocalDate): boolean {
  if (date < h.start) return false;
  if (h.releasedOn !== undefined && date >= h.releasedOn) return false;
  if (h.until !== undefined && date > h.until) return false;
  return true;
}

/** A hold that pauses the whole lease (every scope but charge; service_failed gates stages only). */
export function pausesLease(h: ActiveHold): boolean {
  return h.scope !== 'charge' && h.type !== 'service_failed';
}

/**
 * The hold a classified reply places on its lease (R12): a dispute holds the debt; a reply
 * that needs a person (a claim of payment, a lawyer, abuse, hardship) holds it for review,
 * until staff release it. Other intents place none.
 */
export function replyHold(intent: string): 'dispute' | 'review' | undefined {
  if (intent === 'dispute') return 'dispute';
  if (
    intent === 'paid_claim' ||
    intent === 'legal' ||
    intent === 'hostile' ||
    intent === 'hardship'
  )
    return 'review';
  return undefined;
}
