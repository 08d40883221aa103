/**
 * What is true of one lease at the start of a run on local date `at`: its balances (R1),
 * the holds placed so far and which are in force (R8, R12), promise and plan outcomes, and
 * who can still be reached (R10). Readiness (SPEC 5) and "what changed since last run"
 * (SPEC 8) both read these facts.
 *
 * The hold rules mirror the evaluator's (`evaluator/lease-run.ts`) without walking every
 * calendar day: holds only change on event dates, ledger dates, installment dates and
 * `until` dates, so only those days are visited. A run happens during the day `at`, so
 * everything dated `at` is seen (entries, events, a promise kept that day), but end-of-day
 * outcomes of `at` itself (a promise broken at the end of its `until` date) have not
 * happened yet.
 *
 * Pure: the lease input and the date are arguments.
 */
import { addDays, type LocalDate } from '../dates.js';
import { contactPointChannel, ContactBook } from '../evaluator/contacts.js';
import { inForce, pausesLease, replyHold, type ActiveHold } from '../evaluator/holds.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import { allocate, pastDueOn, type Allocation, type PastDue } from '../ledger/allocation.js';
import type { Cents } from '../money.js';
import type { Channel, LedgerEntry, PortfolioEvent } from '../portfolio/schema.js';
import { classifyReplyEvent } from '../replies/classify.js';

export type PromiseOutcome = 'open' | 'kept' | 'broken' | 'released';
export type PlanOutcome = 'open' | 'completed' | 'broken' | 'released';

export interface DerivedHold extends ActiveHold {
  /** What placed it: the event type (`hold`, `dispute`, `promise`, `plan`, `status`, `delivery`) or `reply:{intent}`. */
  origin: string;
  /** Promise holds: how the promise ended so far (`open` while in force). */
  promiseOutcome?: PromiseOutcome;
  /** Payment plan holds: how the plan ended so far (`open` while in force). */
  planOutcome?: PlanOutcome;
  /** The event's note or reason, when it gave one. */
  note?: string;
}

export interface ReplySeen {
  /** The event's `id`, else `{date}/{channel}/{n}` (n-th reply of the lease that day). */
  id: string;
  date: LocalDate;
  channel: Channel;
  intent: string;
}

export interface LeaseFacts {
  at: LocalDate;
  /** Ledger entries dated on or before `at`, by date then id. */
  inEffect: LedgerEntry[];
  /** Ids cancelled by a reversal in effect. */
  reversedIds: ReadonlySet<string>;
  allocation: Allocation;
  /** Trigger categories of the lease's policy. */
  categories: ReadonlySet<string>;
  /** Charges out of the past-due amount: charge-scoped holds in force, and charges settled by a `close` event. */
  heldCharges: ReadonlySet<string>;
  /** Past due (R1), less held charges. */
  pastDue: PastDue;
  /** Past due counting held charges too. */
  grossPastDue: PastDue;
  /** Every hold placed on or before `at`, in the order placed. */
  holds: DerivedHold[];
  /** The holds in force on `at`. */
  holdsInForce: DerivedHold[];
  contacts: ContactBook;
  /** Payments (type `payment`) in effect and not reversed, by date then id. */
  payments: LedgerEntry[];
  replies: ReplySeen[];
  /** Date of the latest `close` event on or before `at` (it settles the charges due by then). */
  closedThrough?: LocalDate;
  /** A `close` event with outcome `moved_out` on or before `at`. */
  movedOut: boolean;
}

function byDateThenId(a: LedgerEntry, b: LedgerEntry): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A reply's id in the facts: the event's `id`, else `{date}/{channel}/{n}` where `n` counts
 * the lease's replies on that channel that day (`replyCount`, one per day, is advanced).
 */
function replyId(
  e: Extract<PortfolioEvent, { type: 'reply' }>,
  d: LocalDate,
  replyCount: Map<string, number>,
): string {
  const n = (replyCount.get(e.channel) ?? 0) + 1;
  replyCount.set(e.channel, n);
  return e.id ?? `${d}/${e.channel}/${n}`;
}

/**
 * The ids `leaseFactsOn(…, at).replies` has for these events (those reaching the lease, in
 * the order the evaluator gets them), without replaying the lease.
 */
export function replyIdsOf(events: readonly PortfolioEvent[], at: LocalDate): string[] {
  const byDate = new Map<LocalDate, PortfolioEvent[]>();
  for (const e of events) {
    if (e.date > at || e.type !== 'reply') continue;
    const list = byDate.get(e.date);
    if (list) list.push(e);
    else byDate.set(e.date, [e]);
  }
  const ids: string[] = [];
  for (const d of [...byDate.keys()].sort()) {
    const replyCount = new Map<string, number>();
    for (const e of byDate.get(d)!) if (e.type === 'reply') ids.push(replyId(e, d, replyCount));
  }
  return ids;
}

export function leaseFactsOn(input: LeaseInput, at: LocalDate): LeaseFacts {
  return new Replay(input, at).run();
}

class Replay {
  private readonly ledger: LedgerEntry[];
  private readonly ledgerDates: LocalDate[];
  private readonly categories: Set<string>;
  private readonly book: ContactBook;
  private readonly holds: DerivedHold[] = [];
  /** Last day whose outcomes each promise / plan hold has been settled through. */
  private readonly settled = new Map<DerivedHold, LocalDate>();
  private readonly replies: ReplySeen[] = [];
  private closedThrough: LocalDate | undefined;
  private movedOut = false;
  private readonly pastDueCache = new Map<LocalDate, PastDue>();

  constructor(
    private readonly input: LeaseInput,
    private readonly at: LocalDate,
  ) {
    this.ledger = input.ledger.filter((e) => e.date <= at).sort(byDateThenId);
    this.ledgerDates = [...new Set(this.ledger.map((e) => e.date))];
    this.categories = new Set(input.policy.trigger.categories);
    this.book = new ContactBook(input.contacts);
  }

  run(): LeaseFacts {
    const byDate = new Map<LocalDate, PortfolioEvent[]>();
    for (const e of this.input.events) {
      if (e.date > this.at) continue;
      const list = byDate.get(e.date);
      if (list) list.push(e);
      else byDate.set(e.date, [e]);
    }
    for (const d of [...byDate.keys()].sort()) {
      this.settleBefore(d);
      const replyCount = new Map<string, number>();
      for (const e of byDate.get(d)!) this.apply(e, d, replyCount);
    }
    // The run happens during `at`: its end-of-day outcomes have not happened yet.
    this.settleBefore(addDays(this.at, 1), addDays(this.at, -1));

    const inEffect = this.ledger;
    const reversedIds = reversedIn(inEffect);
    const allocation = allocate(inEffect);
    const heldCharges = this.heldCharges(this.at);
    return {
      at: this.at,
      inEffect,
      reversedIds,
      allocation,
      categories: this.categories,
      heldCharges,
      pastDue: pastDueOn(allocation, this.at, this.categories, heldCharges),
      grossPastDue: pastDueOn(allocation, this.at, this.categories),
      holds: this.holds,
      holdsInForce: this.holds.filter((h) => inForce(h, this.at)),
      contacts: this.book,
      payments: inEffect.filter((e) => e.type === 'payment' && !reversedIds.has(e.id)),
      replies: this.replies,
      ...(this.closedThrough !== undefined ? { closedThrough: this.closedThrough } : {}),
      movedOut: this.movedOut,
    };
  }

  // ------------------------------------------------------------------ balances

  private entriesThrough(d: LocalDate): LedgerEntry[] {
    let n = 0;
    while (n < this.ledger.length && this.ledger[n]!.date <= d) n++;
    return this.ledger.slice(0, n);
  }

  private heldCharges(d: LocalDate): Set<string> {
    const set = new Set<string>();
    for (const h of this.holds)
      if (h.scope === 'charge' && h.chargeId && inForce(h, d)) set.add(h.chargeId);
    const through = this.closedThrough;
    if (through !== undefined)
      for (const e of this.ledger)
        if (e.type === 'charge' && (e.dueDate ?? e.date) <= through) set.add(e.id);
    return set;
  }

  private pastDue(d: LocalDate): PastDue {
    let pd = this.pastDueCache.get(d);
    if (!pd) {
      pd = pastDueOn(allocate(this.entriesThrough(d)), d, this.categories, this.heldCharges(d));
      this.pastDueCache.set(d, pd);
    }
    return pd;
  }

  /** Payments and credits dated `since`..`through`, less those reversed by then (the evaluator's `paidSince`). */
  private paidBetween(since: LocalDate, through: LocalDate): Cents {
    const entries = this.entriesThrough(through);
    const reversed = reversedIn(entries);
    let sum = 0;
    for (const e of entries)
      if ((e.type === 'payment' || e.type === 'credit') && e.date >= since && !reversed.has(e.id))
        sum += e.amountCents;
    return sum;
  }

  // ------------------------------------------------------------------ events

  private place(h: DerivedHold): void {
    this.holds.push(h);
    if (h.promise || h.plan) this.settled.set(h, addDays(h.start, -1));
  }

  private release(d: LocalDate, match: (h: DerivedHold) => boolean): void {
    for (const h of this.holds) {
      if (h.releasedOn !== undefined || !match(h)) continue;
      if (h.until !== undefined && h.until < d) continue;
      h.releasedOn = d;
      if (h.promiseOutcome === 'open') h.promiseOutcome = 'released';
      if (h.planOutcome === 'open') h.planOutcome = 'released';
    }
  }

  private apply(e: PortfolioEvent, d: LocalDate, replyCount: Map<string, number>): void {
    const note = 'note' in e && e.note !== undefined ? { note: e.note } : {};
    switch (e.type) {
      case 'hold':
        return this.place({
          type: e.hold,
          scope: e.scope,
          ...(e.chargeId !== undefined ? { chargeId: e.chargeId } : {}),
          start: d,
          ...(e.until !== undefined ? { until: e.until } : {}),
          origin: 'hold',
          ...note,
        });
      case 'release':
        return this.release(
          d,
          (h) =>
            h.type === e.hold &&
            (e.scope === undefined || h.scope === e.scope) &&
            (e.chargeId === undefined || h.chargeId === e.chargeId),
        );
      case 'promise':
        return this.place({
          type: 'promise',
          scope: 'lease',
          start: d,
          until: e.until,
          promise: { amountCents: e.amountCents ?? this.pastDue(d).pastDueCents, since: d },
          promiseOutcome: 'open',
          origin: 'promise',
          ...note,
        });
      case 'plan':
        return this.place({
          type: 'payment_plan',
          scope: 'lease',
          start: d,
          plan: {
            installments: [...e.installments].sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1)),
            since: d,
          },
          planOutcome: 'open',
          origin: 'plan',
          ...note,
        });
      case 'dispute':
        return this.place({
          type: 'dispute',
          scope: 'lease',
          start: d,
          origin: 'dispute',
          ...(e.reason !== undefined ? { note: e.reason } : note),
        });
      case 'status':
        this.release(d, (h) => h.untilNextStatus === true);
        if (e.status === 'grace')
          this.place({
            type: 'manual',
            scope: 'lease',
            start: d,
            untilNextStatus: true,
            origin: 'status:grace',
            ...note,
          });
        else if (e.status === 'bankruptcy')
          this.place({
            type: 'bankruptcy',
            scope: 'lease',
            start: d,
            origin: 'status:bankruptcy',
            ...note,
          });
        return;
      case 'close':
        this.closedThrough = d;
        if (e.outcome === 'moved_out') this.movedOut = true;
        return;
      case 'reply':
        return this.applyReply(e, d, replyCount);
      case 'delivery':
        return this.applyDelivery(e, d);
      case 'flag':
      case 'auction_completed':
      case 'approve':
      case 'reject':
        return;
    }
  }

  private applyReply(
    e: Extract<PortfolioEvent, { type: 'reply' }>,
    d: LocalDate,
    replyCount: Map<string, number>,
  ): void {
    const r = classifyReplyEvent(e, d);
    this.replies.push({
      id: replyId(e, d, replyCount),
      date: d,
      channel: e.channel,
      intent: r.intent,
    });
    const who = this.book.subjects(e.tenantId, e.from);
    if (r.intent === 'opt_out') {
      const channels: Channel[] =
        r.optOutScope === 'all' ? ['sms', 'email', 'voice', 'portal', 'chat'] : [e.channel];
      for (const c of who) this.book.optOut(c.id, channels);
    } else if (r.intent === 'opt_in') {
      for (const c of who) this.book.optIn(c.id, [e.channel]);
    } else {
      const hold = replyHold(r.intent);
      if (hold) this.place({ type: hold, scope: 'lease', start: d, origin: `reply:${r.intent}` });
    }
  }

  private applyDelivery(e: Extract<PortfolioEvent, { type: 'delivery' }>, d: LocalDate): void {
    const fromKey = e.key ? parseDeliveryKey(e.key) : undefined;
    const contactId = e.contactId ?? e.tenantId ?? fromKey?.contactId;
    const method = e.method ?? e.channel ?? fromKey?.method;
    if (e.status === 'bounced' || e.status === 'undelivered') {
      const point = method ? contactPointChannel(method) : undefined;
      if (!point || point === 'postal' || point === 'portal') return;
      for (const c of this.book.subjects(contactId)) this.book.markBad(c.id, point);
      return;
    }
    if (e.status === 'returned') {
      const stages = this.input.policy.stages;
      const idx = fromKey ? stages.findIndex((s) => s.id === fromKey.stage) : -1;
      if (idx >= 0 && !stages[idx]!.required) return; // only statutory notices need re-serving
      this.place({
        type: 'service_failed',
        scope: 'lease',
        start: d,
        origin: 'delivery',
        ...(e.key !== undefined ? { note: `returned: ${e.key}` } : {}),
      });
    }
  }

  // ------------------------------------------------------------------ promises and plans

  /**
   * Settle promise and plan outcomes on every day before `before`: a promise is kept the
   * day its amount has been paid since it was made, released when the case is cured, and
   * broken at the end of its `until` date; a plan breaks at the end of an installment's due
   * date paid short, and completes at the end of the last one. End-of-day outcomes are
   * settled only through `endOfDayThrough` (default: the day before `before`).
   */
  private settleBefore(before: LocalDate, endOfDayThrough: LocalDate = addDays(before, -1)): void {
    const last = addDays(before, -1);
    for (const h of this.holds) {
      const from = this.settled.get(h);
      if (from === undefined || from >= last) continue;
      if (h.releasedOn !== undefined) {
        this.settled.delete(h);
        continue;
      }
      for (const k of this.candidateDays(h, from, last)) {
        this.settleDay(h, k, k <= endOfDayThrough);
        if (h.releasedOn !== undefined) break;
      }
      if (h.releasedOn !== undefined) this.settled.delete(h);
      else this.settled.set(h, last);
    }
  }

  /** Days in (after, through] on which a promise or plan can change. */
  private candidateDays(h: DerivedHold, after: LocalDate, through: LocalDate): LocalDate[] {
    const days = new Set<LocalDate>();
    const add = (d: LocalDate | undefined) => {
      if (d !== undefined && d > after && d <= through && d >= h.start) days.add(d);
    };
    add(h.start);
    add(h.until);
    for (const d of this.ledgerDates) add(d);
    for (const i of h.plan?.installments ?? []) add(i.dueDate);
    return [...days].sort();
  }

  private settleDay(h: DerivedHold, k: LocalDate, endOfDay: boolean): void {
    const exit = this.input.policy.exit.maxPastDueCents;
    if (h.promise) {
      if (this.paidBetween(h.promise.since, k) >= h.promise.amountCents) {
        h.releasedOn = k;
        h.promiseOutcome = 'kept';
        return;
      }
      if (this.cured(h, k, exit)) {
        h.releasedOn = k; // the case closed as paid (R5)
        h.promiseOutcome = 'released';
        return;
      }
      if (endOfDay && h.until === k) {
        h.releasedOn = addDays(k, 1);
        h.promiseOutcome = 'broken';
      }
      return;
    }
    if (h.plan) {
      if (this.cured(h, k, exit)) {
        h.releasedOn = k; // the case closed as paid (R5)
        h.planOutcome = 'released';
        return;
      }
      if (!endOfDay) return;
      let due = 0;
      let lastDue: LocalDate | undefined;
      for (const i of h.plan.installments) {
        if (i.dueDate <= k) due += i.amountCents;
        lastDue = i.dueDate;
      }
      const paid = this.paidBetween(h.plan.since, k);
      const dueToday = h.plan.installments.some((i) => i.dueDate === k);
      if (dueToday && paid < due) {
        h.releasedOn = addDays(k, 1);
        h.planOutcome = 'broken';
      } else if (lastDue !== undefined && k >= lastDue && paid >= due) {
        h.releasedOn = addDays(k, 1);
        h.planOutcome = 'completed';
      }
    }
  }

  /**
   * The case the hold was placed in closed as paid on `k`: something was past due when the
   * hold started (or the day before) and the ledger on `k` brought it to the exit amount.
   */
  private cured(h: DerivedHold, k: LocalDate, exit: Cents): boolean {
    if (!this.ledgerDates.includes(k) || this.pastDue(k).pastDueCents > exit) return false;
    return (
      this.pastDue(addDays(h.start, -1)).pastDueCents > exit ||
      (k > h.start && this.pastDue(h.start).pastDueCents > exit)
    );
  }
}

function reversedIn(entries: readonly LedgerEntry[]): Set<string> {
  const s = new Set<string>();
  for (const e of entries) if (e.type === 'reversal' && e.reverses) s.add(e.reverses);
  return s;
}

/** `{leaseId}:{episode}:{stageId}:{actionId}[…]/{contactId}/{method}` (R7). */
export function parseDeliveryKey(
  key: string,
): { stage: string; action: string; contactId?: string; method?: string } | undefined {
  const [head, contactId, method] = key.split('/');
  const parts = head?.split(':') ?? [];
  if (parts.length < 4) return undefined;
  return {
    stage: parts[2]!,
    action: parts[3]!,
    ...(contactId ? { contactId } : {}),
    ...(method ? { method } : {}),
  };
}

/** Holds in force that pause the whole lease (every scope but charge; not service_failed). */
export function pausingHolds(facts: LeaseFacts): DerivedHold[] {
  return facts.holdsInForce.filter(pausesLease);
}
