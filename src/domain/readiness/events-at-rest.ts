/**
 * Whether a lease's events leave anything to evaluate on `today` once nothing is past due.
 *
 * A scan settles a paid-up lease from its ledger totals instead of replaying it (most of a
 * portfolio, most days). Events used to send every lease that ever had one to the
 * evaluator, however old: a reply in March, a promise kept in May, a dispute released in
 * June. Such events are *at rest*: with nothing past due, no open case and nothing waiting
 * in the outbox, a replay would open no case, fire no stage, find no hold in force and report
 * the lease `current` — exactly what the settled lease's state says. The rules mirror the
 * evaluator's (`evaluator/lease-run.ts`) and the facts' (`lease-facts.ts`) and err towards
 * "not at rest": a lease they cannot be sure of is evaluated in full, which is always right.
 *
 * At rest when every event is dated on or before `today` and
 * - no hold it placed can still be in force on `today`: a `hold` whose `until` is past, or
 *   released (a `release` of its type, scope and charge dated after it, on or before
 *   `today`); a `dispute` (or a reply classified `dispute`) released the same way; a reply
 *   that asks for a person (`paid_claim`, `legal`, `hostile`, `hardship`: a `review` hold)
 *   likewise; a `promise` whose `until` is past; a `plan` whose last installment is past; a
 *   `grace` status ended by a later status event or a release;
 * - none of these, which the evaluator must always see: a `bankruptcy` status (it never
 *   ends on its own), a `close` (it settles charges and may mark a move-out), a `returned`
 *   delivery (a service failure to re-serve).
 * Flags, `at_risk` and `current` statuses, other deliveries, auction completions, approvals
 * and the rest of the replies only matter while something is past due.
 *
 * Pure: the events (those that reach the lease) and the date are arguments.
 */
import type { LocalDate } from '../dates.js';
import type { HoldScope, HoldType, PortfolioEvent } from '../portfolio/schema.js';
import { replyHold } from '../evaluator/holds.js';
import { classifyReplyEvent } from '../replies/classify.js';

/** A hold an event placed, as far as its end is concerned. */
interface Placed {
  type: HoldType;
  scope: HoldScope;
  chargeId?: string;
  start: LocalDate;
  until?: LocalDate;
  /** Ended by the next status event (a `grace` status). */
  untilNextStatus?: boolean;
}

export function eventsAtRest(events: readonly PortfolioEvent[], today: LocalDate): boolean {
  const placed: Placed[] = [];
  for (const e of events) {
    if (e.date > today) return false;
    switch (e.type) {
      case 'hold':
        placed.push({
          type: e.hold,
          scope: e.scope,
          start: e.date,
          ...(e.chargeId !== undefined ? { chargeId: e.chargeId } : {}),
          ...(e.until !== undefined ? { until: e.until } : {}),
        });
        break;
      case 'dispute':
        placed.push({ type: 'dispute', scope: 'lease', start: e.date });
        break;
      case 'reply': {
        const hold = replyHold(classifyReplyEvent(e, e.date).intent);
        if (hold) placed.push({ type: hold, scope: 'lease', start: e.date });
        break;
      }
      case 'promise':
        // In force through its `until` date unless kept first: over once that has passed.
        if (e.until >= today) return false;
        break;
      case 'plan':
        // Completed or broken by its last installment's date at the latest.
        if (e.installments.some((i) => i.dueDate >= today)) return false;
        break;
      case 'status':
        if (e.status === 'bankruptcy') return false;
        if (e.status === 'grace')
          placed.push({ type: 'manual', scope: 'lease', start: e.date, untilNextStatus: true });
        break;
      case 'close':
        return false;
      case 'delivery':
        if (e.status === 'returned') return false;
        break;
      case 'release':
      case 'flag':
      case 'auction_completed':
      case 'approve':
      case 'reject':
        break;
    }
  }
  return placed.every((h) => ended(h, events, today));
}

/** Whether hold `h` is out of force on `today` (past its `until`, or released before). */
function ended(h: Placed, events: readonly PortfolioEvent[], today: LocalDate): boolean {
  if (h.until !== undefined && h.until < today) return true;
  // Events of the hold's own date are left out: their order within the day decides.
  return events.some(
    (e) =>
      e.date > h.start &&
      e.date <= today &&
      ((e.type === 'release' &&
        e.hold === h.type &&
        (e.scope === undefined || e.scope === h.scope) &&
        (e.chargeId === undefined || e.chargeId === h.chargeId)) ||
        (e.type === 'status' && h.untilNextStatus === true)),
  );
}
