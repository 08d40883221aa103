/**
 * One lease, day by day: balances (R1), opening (R2), stage dates (R3), catch-up (R4),
 * closing (R5), partial payments (R6), keys (R7), holds (R8), reversals (R9), consent
 * (R10), caps (R11), replies (R12) and approval flags (R13).
 *
 * Pure: the data and the window are arguments; the result is data.
 */
import { addOffset } from '../calendar/business-days.js';
import { addDays, daysBetween, maxDate, parseClock, type LocalDate } from '../dates.js';
import { feeCapCents } from '../jurisdictions/fee-caps.js';
import { lateFeeRuleFor } from '../jurisdictions/index.js';
import {
  allocate,
  pastDueOn,
  type Allocation,
  type Charge,
  type PastDue,
} from '../ledger/allocation.js';
import { percentOf } from '../money.js';
import type {
  Action,
  DocumentAction,
  FeeAction,
  MessageAction,
  Policy,
  Stage,
} from '../policy/schema.js';
import {
  CHANNELS,
  type Channel,
  type DeliveryMethod,
  type LedgerEntry,
  type Lease,
  type OnboardedCase,
  type PortfolioEvent,
  type Property,
  type Tenant,
} from '../portfolio/schema.js';
import { classifyReplyEvent } from '../replies/classify.js';
import { epochToIso, epochToLocal, localToEpoch } from '../time.js';
import { approvalsNeeded } from './approval.js';
import { ContactBook, E_DELIVERY, WINDOWED_CHANNELS, contactPointChannel } from './contacts.js';
import { inForce, pausesLease, replyHold, type ActiveHold } from './holds.js';
import { actionKey, deliveryKey } from './keys.js';
import {
  capAllowsAt,
  frequencyCapOf,
  nextAllowedEpoch,
  sendWindowOf,
  type SendWindow,
} from './send-window.js';
import type {
  Delivery,
  EpisodeSummary,
  LeaseStanding,
  LeaseTimeline,
  PlannedAction,
  Reason,
  TimelineEvent,
} from './types.js';

export interface LeaseInput {
  lease: Lease;
  property: Property;
  /** Every contact on the lease (lease.tenantIds), in that order. */
  contacts: Tenant[];
  policy: Policy;
  /** This lease's ledger entries, any order. */
  ledger: LedgerEntry[];
  /** Events that reach this lease (its own, its tenants', its property's, the organisation's), in input order. */
  events: PortfolioEvent[];
  /** Onboarded in-progress cases of this lease. */
  cases: OnboardedCase[];
}

export interface EvaluationWindow {
  from: LocalDate;
  to: LocalDate;
  /**
   * For a caller that needs only what is due by this instant (epoch ms) and the first due
   * action after it (a scan): simulation may end before `to`, on a day after which nothing
   * can come earlier than that first action. That is when the next day starts at or after
   * it and nothing dated is left to take effect (no ledger entry, event, hold or onboarded
   * case): from there only time passes, the past-due amount cannot fall, so an open episode
   * cannot close, and whatever a later day adds starts on that day or later. The timeline
   * then ends on that day (`final` included).
   */
  nextDueAfter?: number;
  /**
   * Simulate every day of the window even once nothing is left to happen (what the
   * shortcut skips is checked against this).
   */
  everyDay?: boolean;
}

type StageOutcome = 'fired' | 'superseded' | 'not_applicable';

interface StageRecord {
  outcome: StageOutcome;
  date: LocalDate;
  /** Held days of the episode when the stage fired (for onHoldRelease: shift). */
  heldAt: number;
}

interface Pending {
  action: PlannedAction;
  /** Epoch ms before which it may not execute. */
  notBefore: number;
  /** Windows and caps: the first allowed instant at or after a given one. */
  fit: (ms: number) => number;
  contactIds: string[];
  channel: Channel | null;
  /** Moved by a hold: its instant must be fitted again on release. */
  moved: boolean;
}

interface CaseState {
  episode: number;
  opened: LocalDate;
  anchor: LocalDate;
  stages: (StageRecord | undefined)[];
  nextStage: number;
  heldDays: number;
  reversal?: { date: LocalDate; anchorStage: number };
  lastReversal?: { date: LocalDate; heldAt: number };
  auctionCompleted?: { date: LocalDate; heldAt: number };
  perInvoiceDone: Set<string>;
  daily: Map<string, { n: number; last: LocalDate; stopped: boolean }>;
  denied: { stage: string; action: string; targets: string[] }[];
  /** Late fees assessed per late charge (jurisdiction caps are cumulative per charge). */
  lateFeesByCharge: Map<string, { cents: number; keys: Set<string> }>;
  /** Policy capCents used per action series and charge. */
  policyCapUsed: Map<string, number>;
  promiseBroken: number;
  reserve: number;
  summary: EpisodeSummary;
}

type CloseReason = 'paid' | 'closed';

const EMPTY_ALLOCATION = allocate([]);

/** What a policy implies for every lease, worked out once per policy object. */
interface PolicyDerived {
  window: SendWindow;
  categories: Set<string>;
}
const derivedCache = new WeakMap<Policy, PolicyDerived>();
function derivedFrom(policy: Policy): PolicyDerived {
  let d = derivedCache.get(policy);
  if (!d) {
    d = {
      window: sendWindowOf(policy),
      categories: new Set(policy.trigger.categories),
    };
    derivedCache.set(policy, d);
  }
  return d;
}

/** Ledger entries by date; the input is usually sorted already, so check before copying. */
function sortedByDate(entries: readonly LedgerEntry[]): readonly LedgerEntry[] {
  for (let i = 1; i < entries.length; i++)
    if (entries[i - 1]!.date > entries[i]!.date)
      return [...entries].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return entries;
}

export function evaluateLease(input: LeaseInput, window: EvaluationWindow): LeaseTimeline {
  return new LeaseRun(input, window).run();
}

class LeaseRun {
  private readonly actions: PlannedAction[] = [];
  private readonly events: TimelineEvent[] = [];
  private readonly episodes: EpisodeSummary[] = [];

  private readonly policy: Policy;
  private readonly stages: Stage[];
  private readonly tz: string;
  private readonly runAt: number;
  private readonly window: SendWindow;
  private readonly categories: Set<string>;
  private readonly book: ContactBook;

  private readonly ledger: readonly LedgerEntry[];
  private ledgerPos = 0;
  private readonly inEffect: LedgerEntry[] = [];
  private allocation: Allocation;
  private allocationDirty = true;

  private readonly eventsByDate = new Map<LocalDate, PortfolioEvent[]>();
  private lastEventDate: LocalDate | undefined;
  /** For nextDueAfter: actions looked at so far, and the earliest due one after it. */
  private actionsSeen = 0;
  private firstDueAfter = Infinity;
  private readonly holds: ActiveHold[] = [];
  private pending: Pending[] = [];
  private readonly channelAttempts = new Map<string, number[]>();

  private case: CaseState | undefined;
  private episodeCounter = 0;
  private readonly onboarded: OnboardedCase[];
  private flagToday = false;
  private closeToday: { outcome: string } | undefined;
  /** Charges due on or before a `close` event's date are settled by that decision (R5). */
  private closedThrough: LocalDate | undefined;

  constructor(
    private readonly input: LeaseInput,
    private readonly span: EvaluationWindow,
  ) {
    this.policy = input.policy;
    this.stages = input.policy.stages;
    this.tz = input.property.timezone;
    this.runAt = parseClock(input.property.runAt ?? '09:00');
    const derived = derivedFrom(input.policy);
    this.window = derived.window;
    this.categories = derived.categories;
    this.book = new ContactBook(input.contacts);
    this.ledger = sortedByDate(input.ledger);
    this.allocation = EMPTY_ALLOCATION;
    for (const e of input.events) {
      if (this.lastEventDate === undefined || e.date > this.lastEventDate)
        this.lastEventDate = e.date;
      const list = this.eventsByDate.get(e.date);
      if (list) list.push(e);
      else this.eventsByDate.set(e.date, [e]);
    }
    this.onboarded =
      input.cases.length === 0 ? [] : [...input.cases].sort((a, b) => a.episode - b.episode);
  }

  run(): LeaseTimeline {
    const { from, to } = this.span;
    // History before `from` shapes holds, consent and promises; nothing is emitted.
    const historyDays = new Set<LocalDate>();
    for (const d of this.eventsByDate.keys()) if (d < from) historyDays.add(d);
    for (const d of [...historyDays].sort()) this.day(d, false);
    let last = to;
    for (let d = from; d <= to; d = addDays(d, 1)) {
      this.day(d, true);
      // Most leases a scan evaluates owe nothing: once nothing is left to happen, the
      // remaining days would each find the same and do nothing.
      if (!this.span.everyDay && this.nothingLeft(d)) break;
      if (
        this.span.nextDueAfter !== undefined &&
        d < to &&
        this.nothingBefore(d, this.span.nextDueAfter)
      ) {
        last = d;
        break;
      }
    }
    if (this.case) this.episodes.push(this.case.summary);
    return {
      actions: this.actions,
      episodes: this.episodes,
      events: this.events,
      final: this.standing(last),
    };
  }

  /** No ledger entry, event or onboarded case takes effect after `d`. */
  private nothingDatedAfter(d: LocalDate): boolean {
    return (
      this.ledgerPos >= this.ledger.length &&
      this.onboarded.length === 0 &&
      (this.lastEventDate === undefined || this.lastEventDate <= d)
    );
  }

  /**
   * Whether every day after `d` would do nothing: no case or pending action, nothing owed,
   * no ledger entry, event or onboarded case still to come, and every hold released. Then
   * nothing can fall past due, so no case can open, and no hold can end or break.
   */
  private nothingLeft(d: LocalDate): boolean {
    if (this.case || this.pending.length > 0 || !this.nothingDatedAfter(d)) return false;
    const next = addDays(d, 1);
    for (const h of this.holds) if (h.releasedOn === undefined || h.releasedOn > next) return false;
    for (const owed of this.currentAllocation().unpaid.values()) if (owed > 0) return false;
    return true;
  }

  /**
   * Whether days after `d` can change neither what is due by `after` nor the first due
   * action after it (EvaluationWindow.nextDueAfter).
   */
  private nothingBefore(d: LocalDate, after: number): boolean {
    // Emitted actions are final: only those added since the last look are new.
    for (; this.actionsSeen < this.actions.length; this.actionsSeen++) {
      const a = this.actions[this.actionsSeen]!;
      if (a.status !== 'due') continue;
      const at = Date.parse(a.at);
      if (at > after && at < this.firstDueAfter) this.firstDueAfter = at;
    }
    if (this.firstDueAfter === Infinity || !this.nothingDatedAfter(d)) return false;
    for (const h of this.holds) if (h.start > d) return false;
    return localToEpoch(addDays(d, 1), 0, this.tz) >= this.firstDueAfter;
  }

  private standing(d: LocalDate): LeaseStanding {
    const holds = [
      ...new Set(this.holds.filter((h) => pausesLease(h) && inForce(h, d)).map((h) => h.type)),
    ];
    return {
      date: d,
      pastDueCents: this.pastDue(d).pastDueCents,
      holds,
      blocked: (contactId, method) => {
        const c = this.book.byId(contactId);
        if (!c) return 'no_contact';
        return (CHANNELS as readonly string[]).includes(method)
          ? this.book.messageBlock(c, method as Channel)
          : this.book.documentBlock(c, method as DeliveryMethod);
      },
    };
  }

  // ---------------------------------------------------------------- one day

  private day(d: LocalDate, live: boolean): void {
    this.advanceLedger(d);
    this.flagToday = false;
    this.closeToday = undefined;
    const todays = this.eventsByDate.get(d);
    if (todays) for (const e of todays) this.applyEvent(e, d, live);
    this.checkPromisesKept(d, live);

    const pd = this.pastDue(d);
    // Read back what the events set (TypeScript narrows the field to its reset value).
    const closing = this.closeToday as { outcome: string } | undefined;
    if (this.case && live) {
      if (closing) this.closeCase(d, closing.outcome, 'closed');
      else if (pd.pastDueCents <= this.policy.exit.maxPastDueCents)
        this.closeCase(d, 'paid', 'paid');
    }
    if (!this.case && live && !this.closedToday(d)) this.maybeOpen(d, pd);

    const c = this.case;
    if (c && live) {
      if (this.policy.partialPayment === 'reanchor' && pd.oldest && pd.oldest.dueDate > c.anchor) {
        c.anchor = pd.oldest.dueDate;
        c.summary.anchor = c.anchor;
      }
      if (this.leasePaused(d)) {
        if (this.policy.onHoldRelease === 'shift') c.heldDays += 1;
        this.holdPending(d);
      } else {
        this.releasePending(d);
        this.fireDueStages(d, pd);
        this.firePerInvoice(d);
        this.fireDaily(d, pd);
      }
    }
    this.endOfDay(d, live);
  }

  private closedToday(d: LocalDate): boolean {
    const last = this.episodes[this.episodes.length - 1];
    return last !== undefined && last.closed === d;
  }

  // ---------------------------------------------------------------- ledger

  private advanceLedger(d: LocalDate): void {
    while (this.ledgerPos < this.ledger.length) {
      const e = this.ledger[this.ledgerPos]!;
      if (e.date > d) break;
      // R9: a reversal during an open case only changes balances, and anchors
      // `payment_reversal` stages.
      if (e.type === 'reversal' && this.case)
        this.case.lastReversal = { date: e.date, heldAt: this.case.heldDays };
      this.inEffect.push(e);
      this.ledgerPos += 1;
      this.allocationDirty = true;
    }
  }

  private currentAllocation(): Allocation {
    if (this.allocationDirty) {
      this.allocation = allocate(this.inEffect);
      this.allocationDirty = false;
    }
    return this.allocation;
  }

  private heldCharges(d: LocalDate): Set<string> | undefined {
    let set: Set<string> | undefined;
    for (const h of this.holds)
      if (h.scope === 'charge' && h.chargeId && inForce(h, d)) (set ??= new Set()).add(h.chargeId);
    const through = this.closedThrough;
    if (through !== undefined)
      for (const c of this.currentAllocation().charges)
        if (c.dueDate <= through) (set ??= new Set()).add(c.id);
    return set;
  }

  private pastDue(d: LocalDate): PastDue {
    return pastDueOn(this.currentAllocation(), d, this.categories, this.heldCharges(d));
  }

  private reversedIds(): Set<string> {
    const s = new Set<string>();
    for (const e of this.inEffect) if (e.type === 'reversal' && e.reverses) s.add(e.reverses);
    return s;
  }

  private paidSince(since: LocalDate): number {
    const reversed = this.reversedIds();
    let sum = 0;
    for (const e of this.inEffect)
      if ((e.type === 'payment' || e.type === 'credit') && e.date >= since && !reversed.has(e.id))
        sum += e.amountCents;
    return sum;
  }

  // ---------------------------------------------------------------- events

  private emitEvent(live: boolean, ev: Omit<TimelineEvent, 'leaseId'>): void {
    if (!live) return;
    this.events.push({ leaseId: this.input.lease.id, ...ev });
  }

  private startHold(h: ActiveHold, live: boolean): void {
    this.holds.push(h);
    this.emitEvent(live, { date: h.start, type: 'hold_started', hold: h.type });
  }

  private release(
    d: LocalDate,
    live: boolean,
    match: (h: ActiveHold) => boolean,
    eventDate: LocalDate = d,
    effective: LocalDate = d,
  ): void {
    for (const h of this.holds) {
      if (h.releasedOn !== undefined || !match(h)) continue;
      if (h.until !== undefined && h.until < d) continue;
      h.releasedOn = effective;
      this.emitEvent(live, { date: eventDate, type: 'hold_released', hold: h.type });
    }
  }

  private applyEvent(e: PortfolioEvent, d: LocalDate, live: boolean): void {
    switch (e.type) {
      case 'reply':
        return this.applyReply(e, d, live);
      case 'delivery':
        return this.applyDelivery(e, d, live);
      case 'hold':
        return this.startHold(
          {
            type: e.hold,
            scope: e.scope,
            chargeId: e.chargeId,
            start: d,
            until: e.until,
            blocksFromStage: e.hold === 'service_failed' ? this.nextRequiredStage() : undefined,
          },
          live,
        );
      case 'release':
        return this.release(
          d,
          live,
          (h) =>
            h.type === e.hold &&
            (e.scope === undefined || h.scope === e.scope) &&
            (e.chargeId === undefined || h.chargeId === e.chargeId),
        );
      case 'promise': {
        const amount = e.amountCents ?? this.pastDue(d).pastDueCents;
        return this.startHold(
          {
            type: 'promise',
            scope: 'lease',
            start: d,
            until: e.until,
            promise: { amountCents: amount, since: d },
          },
          live,
        );
      }
      case 'plan':
        return this.startHold(
          {
            type: 'payment_plan',
            scope: 'lease',
            start: d,
            plan: {
              installments: [...e.installments].sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1)),
              since: d,
            },
          },
          live,
        );
      case 'dispute':
        return this.startHold({ type: 'dispute', scope: 'lease', start: d }, live);
      case 'flag':
        this.flagToday = true;
        return;
      case 'status':
        this.release(d, live, (h) => h.untilNextStatus === true);
        if (e.status === 'grace')
          this.startHold({ type: 'manual', scope: 'lease', start: d, untilNextStatus: true }, live);
        else if (e.status === 'bankruptcy')
          this.startHold({ type: 'bankruptcy', scope: 'lease', start: d }, live);
        else if (e.status === 'at_risk') this.flagToday = true;
        return;
      case 'auction_completed':
        if (this.case) this.case.auctionCompleted = { date: d, heldAt: this.case.heldDays };
        return;
      case 'close':
        // A manager's close (write-off, move-out, agency placement) ends the chase for the
        // debt owed so far; only a later delinquency opens a new episode.
        this.closeToday = { outcome: e.outcome };
        this.closedThrough = d;
        return;
      case 'approve':
      case 'reject':
        // Simulation assumes approval; approvals act on stored drafts in the operational engine.
        return;
    }
  }

  private applyReply(
    e: Extract<PortfolioEvent, { type: 'reply' }>,
    d: LocalDate,
    live: boolean,
  ): void {
    const r = classifyReplyEvent(e, d);
    this.emitEvent(live, {
      date: d,
      type: 'reply_classified',
      intent: r.intent,
      channel: e.channel,
      ...(r.amountCents !== undefined ? { amountCents: r.amountCents } : {}),
      ...(r.promisedDate !== undefined ? { promisedDate: r.promisedDate } : {}),
    });
    const who = this.book.subjects(e.tenantId, e.from);
    if (r.intent === 'opt_out') {
      const channels: Channel[] =
        r.optOutScope === 'all' ? ['sms', 'email', 'voice', 'portal', 'chat'] : [e.channel];
      for (const c of who) this.book.optOut(c.id, channels);
      this.emitEvent(live, {
        date: d,
        type: 'opted_out',
        channel: r.optOutScope === 'all' ? 'all' : e.channel,
        ...(who.length === 1 ? { contactId: who[0]!.id } : {}),
      });
    } else if (r.intent === 'opt_in') {
      for (const c of who) this.book.optIn(c.id, [e.channel]);
      this.emitEvent(live, {
        date: d,
        type: 'opted_in',
        channel: e.channel,
        ...(who.length === 1 ? { contactId: who[0]!.id } : {}),
      });
    } else {
      const hold = replyHold(r.intent);
      if (hold) this.startHold({ type: hold, scope: 'lease', start: d }, live);
    }
  }

  private applyDelivery(
    e: Extract<PortfolioEvent, { type: 'delivery' }>,
    d: LocalDate,
    live: boolean,
  ): void {
    const fromKey = e.key ? parseDeliveryKey(e.key) : undefined;
    const contactId = e.contactId ?? e.tenantId ?? fromKey?.contactId;
    const method = e.method ?? e.channel ?? fromKey?.method;
    if (e.status === 'bounced' || e.status === 'undelivered' || e.status === 'failed') {
      if (e.status === 'failed') return; // a provider failure says nothing about the contact point
      const point = method ? contactPointChannel(method) : undefined;
      if (!point || point === 'postal' || point === 'portal') return;
      for (const c of this.book.subjects(contactId)) {
        this.book.markBad(c.id, point);
        this.emitEvent(live, { date: d, type: 'contact_bad', channel: point, contactId: c.id });
      }
      return;
    }
    if (e.status === 'returned') {
      const stageIdx = fromKey ? this.stages.findIndex((s) => s.id === fromKey.stage) : -1;
      const statutory = stageIdx < 0 || this.stages[stageIdx]!.required;
      if (!statutory) return;
      const blocks = this.nextRequiredStage(stageIdx >= 0 ? stageIdx + 1 : undefined);
      this.emitEvent(live, {
        date: d,
        type: 'service_failed',
        ...(e.key ? { key: e.key } : {}),
        ...(contactId ? { contactId } : {}),
      });
      this.startHold(
        { type: 'service_failed', scope: 'lease', start: d, blocksFromStage: blocks },
        live,
      );
      const c = this.case;
      if (c && live) {
        c.reserve += 1;
        const key = actionKey(this.input.lease.id, c.episode, '$service', 'reserve', {
          occurrence: c.reserve,
        });
        this.emitAction(
          this.taskAction(c, '$service', 'reserve', key, d, {
            title: `Re-serve returned notice${fromKey ? ` (${fromKey.stage})` : ''}`,
            assignee: 'role:legal',
            dueInDays: 1,
          }),
        );
      }
    }
  }

  /** Index of the first required stage at or after `from` (default: the case's next stage). */
  private nextRequiredStage(from?: number): number {
    const start = from ?? this.case?.nextStage ?? 0;
    for (let i = start; i < this.stages.length; i++) if (this.stages[i]!.required) return i;
    return this.stages.length;
  }

  private checkPromisesKept(d: LocalDate, live: boolean): void {
    for (const h of this.holds) {
      if (h.type !== 'promise' || !h.promise || !inForce(h, d)) continue;
      if (this.paidSince(h.promise.since) >= h.promise.amountCents) {
        h.releasedOn = d;
        this.emitEvent(live, { date: d, type: 'promise_kept', hold: 'promise' });
        this.emitEvent(live, { date: d, type: 'hold_released', hold: 'promise' });
      }
    }
  }

  private endOfDay(d: LocalDate, live: boolean): void {
    for (const h of this.holds) {
      if (h.releasedOn !== undefined || d < h.start) continue;
      if (h.type === 'promise' && h.until === d) {
        // In force through its `until` date, unpaid: broken at the end of that day.
        h.releasedOn = addDays(d, 1);
        this.emitEvent(live, { date: d, type: 'promise_broken', hold: 'promise' });
        this.emitEvent(live, { date: d, type: 'hold_released', hold: 'promise' });
        this.onPromiseBroken(d, live);
      } else if (h.type === 'payment_plan' && h.plan) {
        let due = 0;
        let last: LocalDate | undefined;
        for (const i of h.plan.installments) {
          if (i.dueDate <= d) due += i.amountCents;
          last = i.dueDate;
        }
        const paid = this.paidSince(h.plan.since);
        const dueToday = h.plan.installments.some((i) => i.dueDate === d);
        if (dueToday && paid < due) {
          h.releasedOn = addDays(d, 1);
          this.emitEvent(live, { date: d, type: 'plan_broken', hold: 'payment_plan' });
          this.emitEvent(live, { date: d, type: 'hold_released', hold: 'payment_plan' });
        } else if (last !== undefined && d >= last && paid >= due) {
          h.releasedOn = addDays(d, 1);
          this.emitEvent(live, { date: d, type: 'hold_released', hold: 'payment_plan' });
        }
      } else if (h.until === d) {
        h.releasedOn = addDays(d, 1);
        this.emitEvent(live, { date: d, type: 'hold_released', hold: h.type });
      }
    }
  }

  private onPromiseBroken(d: LocalDate, live: boolean): void {
    const c = this.case;
    const task = this.policy.onPromiseBroken?.task;
    if (!c || !task || !live) return;
    c.promiseBroken += 1;
    const key = actionKey(this.input.lease.id, c.episode, '$promise', 'broken', {
      occurrence: c.promiseBroken,
    });
    // Promises break at the end of the day: the follow-up task lands the next morning.
    this.emitAction(
      this.taskAction(c, '$promise', 'broken', key, addDays(d, 1), {
        title: task.title,
        assignee: task.assignee,
        dueInDays: task.dueInDays,
      }),
    );
  }

  private leasePaused(d: LocalDate): boolean {
    for (const h of this.holds) if (pausesLease(h) && inForce(h, d)) return true;
    return false;
  }

  private stageBlock(d: LocalDate): number {
    let block = Infinity;
    for (const h of this.holds)
      if (h.type === 'service_failed' && inForce(h, d) && h.blocksFromStage !== undefined)
        block = Math.min(block, h.blocksFromStage);
    return block;
  }

  // ---------------------------------------------------------------- opening and closing

  private maybeOpen(d: LocalDate, pd: PastDue): void {
    const exit = this.policy.exit.maxPastDueCents;
    const ob = this.onboarded[0];
    if (ob && d > ob.anchor) {
      this.onboarded.shift();
      this.episodeCounter = Math.max(this.episodeCounter, ob.episode);
      if (pd.pastDueCents <= exit) return; // settled before we took over
      this.openCase(d, ob.anchor, ob.episode);
      const c = this.case!;
      let last = -1;
      for (const done of ob.stagesDone) {
        const idx = this.stages.findIndex((s) => s.id === done.stageId);
        if (idx < 0) continue;
        c.stages[idx] = { outcome: 'fired', date: done.date, heldAt: 0 };
        for (const a of this.stages[idx]!.actions)
          if (a.type === 'access' && a.deny?.length)
            c.denied.push({ stage: this.stages[idx]!.id, action: a.id, targets: a.deny });
        last = Math.max(last, idx);
      }
      for (let i = 0; i < last; i++)
        c.stages[i] ??= { outcome: 'superseded', date: ob.stagesDone[0]?.date ?? d, heldAt: 0 };
      c.nextStage = last + 1;
      return;
    }
    const t = this.policy.trigger;
    const oldest = pd.oldest;
    const thresholds =
      oldest !== undefined &&
      pd.pastDueCents > t.minPastDueCents &&
      pd.pastDueCents > exit &&
      daysBetween(oldest.dueDate, d) >= t.minDaysPastDue;
    if (thresholds) {
      this.openCase(d, oldest.dueDate, this.episodeCounter + 1);
      this.detectReversal(d, oldest);
      return;
    }
    if (this.flagToday && pd.anyPastDueCents > 0 && pd.pastDueCents > exit) {
      const anchor = oldest?.dueDate ?? this.oldestAnyPastDue(d)?.dueDate ?? d;
      this.openCase(d, anchor, this.episodeCounter + 1);
    }
  }

  private oldestAnyPastDue(d: LocalDate): Charge | undefined {
    const a = this.currentAllocation();
    return a.charges.find((c) => d > c.dueDate && (a.unpaid.get(c.id) ?? 0) > 0);
  }

  private openCase(d: LocalDate, anchor: LocalDate, episode: number): void {
    this.episodeCounter = episode;
    const summary: EpisodeSummary = {
      leaseId: this.input.lease.id,
      episode,
      opened: d,
      anchor,
      closed: null,
      outcome: null,
      policyId: this.policy.id,
      policyVersion: this.policy.version,
    };
    this.case = {
      episode,
      opened: d,
      anchor,
      stages: new Array(this.stages.length).fill(undefined),
      nextStage: 0,
      heldDays: 0,
      perInvoiceDone: new Set(),
      daily: new Map(),
      denied: [],
      lateFeesByCharge: new Map(),
      policyCapUsed: new Map(),
      promiseBroken: 0,
      reserve: 0,
      summary,
    };
    this.events.push({ leaseId: this.input.lease.id, date: d, type: 'case_opened', episode });
  }

  /**
   * R9: a reversal that makes the lease delinquent. Without the reversals dated since
   * the anchor, would the case open today? If not, the reversal did it.
   */
  private detectReversal(d: LocalDate, oldest: Charge): void {
    const c = this.case!;
    const recent = this.inEffect.filter(
      (e) => e.type === 'reversal' && e.date >= oldest.dueDate && e.date <= d,
    );
    if (recent.length === 0) return;
    const latest = recent.reduce((a, b) => (b.date > a.date ? b : a)).date;
    c.lastReversal = { date: latest, heldAt: 0 };
    const anchorStageId = this.policy.reversal?.anchorStage;
    if (!anchorStageId) return;
    const without = allocate(this.inEffect.filter((e) => !recent.includes(e)));
    const pdWithout = pastDueOn(without, d, this.categories, this.heldCharges(d));
    if (pdWithout.pastDueCents > this.policy.trigger.minPastDueCents) return;
    const idx = this.stages.findIndex((s) => s.id === anchorStageId);
    if (idx >= 0) c.reversal = { date: latest, anchorStage: idx };
  }

  private closeCase(d: LocalDate, outcome: string, reason: CloseReason): void {
    const c = this.case!;
    // Everything scheduled but not executed is cancelled.
    for (const p of this.pending) {
      p.action.status = 'cancelled';
      p.action.reason = reason;
      this.emitAction(p.action);
    }
    this.pending = [];
    // R5: every access denial executed in the episode is undone on the closing date.
    for (const den of c.denied) {
      const key = actionKey(this.input.lease.id, c.episode, '$close', `${den.action}-restore`);
      this.emitAction({
        ...this.baseAction(c, '$close', `${den.action}-restore`, 'access', key, d),
        restore: den.targets,
      });
    }
    for (const h of this.holds)
      if (h.type === 'promise' || h.type === 'payment_plan') h.releasedOn ??= d;
    c.summary.closed = d;
    c.summary.outcome = outcome;
    this.episodes.push(c.summary);
    this.events.push({
      leaseId: this.input.lease.id,
      date: d,
      type: 'case_closed',
      episode: c.episode,
      outcome,
    });
    this.case = undefined;
  }

  // ---------------------------------------------------------------- stages

  private offset(base: LocalDate, days: number): LocalDate {
    return addOffset(base, Math.max(0, days), this.policy.calendar, this.policy.holidays);
  }

  private shift(c: CaseState, heldAtBase: number): number {
    return this.policy.onHoldRelease === 'shift' ? c.heldDays - heldAtBase : 0;
  }

  /** R3/R9: the date stage k is due, given the stages before it; undefined if its anchor event has not happened. */
  private stageDate(c: CaseState, k: number, prev: StageRecord | undefined): LocalDate | undefined {
    const s = this.stages[k]!;
    let date: LocalDate;
    const rev = c.reversal;
    switch (s.anchor) {
      case 'delinquency_start': {
        if (rev && k < rev.anchorStage) {
          date = c.opened;
        } else if (rev && k === rev.anchorStage) {
          date = addDays(maxDate(rev.date, this.offset(c.anchor, s.day)), this.shift(c, 0));
        } else if (rev && k > rev.anchorStage) {
          const a = c.stages[rev.anchorStage];
          if (!a) return undefined;
          const gap = s.day - this.stages[rev.anchorStage]!.day;
          date = addDays(this.offset(a.date, gap), this.shift(c, a.heldAt));
        } else {
          date = addDays(this.offset(c.anchor, s.day), this.shift(c, 0));
        }
        break;
      }
      case 'previous_stage': {
        if (k === 0) date = addDays(this.offset(c.anchor, s.day), this.shift(c, 0));
        else {
          if (!prev) return undefined;
          date = addDays(this.offset(prev.date, s.day), this.shift(c, prev.heldAt));
        }
        break;
      }
      case 'payment_reversal':
        if (!c.lastReversal) return undefined;
        date = addDays(
          this.offset(c.lastReversal.date, s.day),
          this.shift(c, c.lastReversal.heldAt),
        );
        break;
      case 'auction_completed':
        if (!c.auctionCompleted) return undefined;
        date = addDays(
          this.offset(c.auctionCompleted.date, s.day),
          this.shift(c, c.auctionCompleted.heldAt),
        );
        break;
    }
    if (prev && s.minGapDays > 0)
      date = maxDate(date, addDays(prev.date, s.minGapDays + this.shift(c, prev.heldAt)));
    return date;
  }

  private whenHolds(s: Stage, pd: PastDue): boolean {
    const w = s.when;
    if (!w) return true;
    if (w.minPastDueCents !== undefined && pd.pastDueCents < w.minPastDueCents) return false;
    if (w.maxPastDueCents !== undefined && pd.pastDueCents > w.maxPastDueCents) return false;
    if (w.minRentPastDueCents !== undefined && pd.pastDueRentCents < w.minRentPastDueCents)
      return false;
    if (w.leaseTags && !w.leaseTags.some((t) => this.input.lease.tags.includes(t))) return false;
    return true;
  }

  /** R3 + R4: fire, supersede or skip every stage due on `d`, in order. */
  private fireDueStages(d: LocalDate, pd: PastDue): void {
    const c = this.case!;
    const block = this.stageBlock(d);
    const due: number[] = [];
    let prev = c.nextStage > 0 ? c.stages[c.nextStage - 1] : undefined;
    for (let k = c.nextStage; k < this.stages.length && k < block; k++) {
      const date = this.stageDate(c, k, prev);
      if (date === undefined || date > d) break;
      due.push(k);
      prev = { outcome: 'fired', date: d, heldAt: c.heldDays };
    }
    if (due.length === 0) return;
    const applicable = due.map((k) => this.whenHolds(this.stages[k]!, pd));
    let last = -1;
    due.forEach((k, i) => {
      if (applicable[i]) last = k;
    });
    due.forEach((k, i) => {
      const s = this.stages[k]!;
      let outcome: StageOutcome;
      if (!applicable[i]) outcome = 'not_applicable';
      else if (this.policy.catchUp === 'all' || k === last || s.required) outcome = 'fired';
      else outcome = 'superseded';
      c.stages[k] = { outcome, date: d, heldAt: c.heldDays };
      c.nextStage = k + 1;
      if (outcome === 'fired') this.fireStage(c, s, d, pd);
      else this.skipStage(c, s, d, outcome === 'superseded' ? 'superseded' : 'not_applicable');
    });
  }

  private skipStage(c: CaseState, s: Stage, d: LocalDate, reason: Reason): void {
    for (const a of s.actions) {
      const key = actionKey(this.input.lease.id, c.episode, s.id, a.id);
      const act = this.baseAction(c, s.id, a.id, a.type, key, d, s);
      act.status = 'skipped';
      act.reason = reason;
      if (a.type === 'message') act.channel = a.channel;
      this.emitAction(act);
    }
  }

  private fireStage(c: CaseState, s: Stage, d: LocalDate, pd: PastDue): void {
    for (const a of s.actions) {
      if (recurringOf(a) === 'per_invoice') continue; // firePerInvoice handles every charge
      if (recurringOf(a) === 'daily') continue; // fireDaily handles occurrences
      const key = actionKey(this.input.lease.id, c.episode, s.id, a.id);
      this.fireAction(c, s, a, d, key, pd, undefined);
    }
  }

  /** R7 per-invoice actions: once per counted non-fee charge past due while the stage has fired. */
  private firePerInvoice(d: LocalDate): void {
    const c = this.case!;
    const alloc = this.currentAllocation();
    for (let k = 0; k < c.nextStage; k++) {
      if (c.stages[k]?.outcome !== 'fired') continue;
      const s = this.stages[k]!;
      for (const a of s.actions) {
        if (recurringOf(a) !== 'per_invoice') continue;
        for (const ch of alloc.charges) {
          if (!(d > ch.dueDate)) break;
          if (ch.category === 'fee' || !this.categories.has(ch.category)) continue;
          if ((alloc.unpaid.get(ch.id) ?? 0) <= 0) continue;
          const key = actionKey(this.input.lease.id, c.episode, s.id, a.id, { chargeId: ch.id });
          if (c.perInvoiceDone.has(key)) continue;
          c.perInvoiceDone.add(key);
          this.fireAction(c, s, a, d, key, this.pastDue(d), ch);
        }
      }
    }
  }

  /** Daily fees: occurrence 1 on the stage's day, then one a day while the case is open, up to maxDays. */
  private fireDaily(d: LocalDate, pd: PastDue): void {
    const c = this.case!;
    for (let k = 0; k < c.nextStage; k++) {
      if (c.stages[k]?.outcome !== 'fired') continue;
      const s = this.stages[k]!;
      for (const a of s.actions) {
        if (a.type !== 'fee' || a.recurring !== 'daily') continue;
        const series = `${s.id}:${a.id}`;
        const st = c.daily.get(series) ?? { n: 0, last: '', stopped: false };
        if (st.stopped || st.last === d || st.n >= (a.maxDays ?? 1)) continue;
        st.n += 1;
        st.last = d;
        c.daily.set(series, st);
        const key = actionKey(this.input.lease.id, c.episode, s.id, a.id, { occurrence: st.n });
        const act = this.fireAction(c, s, a, d, key, pd, undefined, st.n);
        if (act?.status === 'skipped') st.stopped = true;
      }
    }
  }

  // ---------------------------------------------------------------- actions

  private readonly runInstants = new Map<LocalDate, { ms: number; iso: string }>();
  /** The property's run time on local date `d` (R3), computed once per date. */
  private runInstant(d: LocalDate): { ms: number; iso: string } {
    let hit = this.runInstants.get(d);
    if (!hit) {
      const ms = localToEpoch(d, this.runAt, this.tz);
      hit = { ms, iso: epochToIso(ms) };
      this.runInstants.set(d, hit);
    }
    return hit;
  }

  private baseAction(
    c: CaseState,
    stage: string,
    action: string,
    type: Action['type'],
    key: string,
    d: LocalDate,
    s?: Stage,
    escalateTo?: string,
  ): PlannedAction {
    const at = this.runInstant(d);
    const approvals = stage.startsWith('$') ? 0 : approvalsNeeded(this.policy, s, type, escalateTo);
    return {
      leaseId: this.input.lease.id,
      episode: c.episode,
      stage,
      action,
      type,
      channel: null,
      date: d,
      at: at.iso,
      status: 'due',
      reason: null,
      requiresApproval: approvals > 0,
      amountCents: null,
      deferredFrom: null,
      key,
      approvals,
      policyId: this.policy.id,
      policyVersion: this.policy.version,
    };
  }

  private taskAction(
    c: CaseState,
    stage: string,
    action: string,
    key: string,
    d: LocalDate,
    t: { title: string; assignee?: string; dueInDays: number },
  ): PlannedAction {
    return {
      ...this.baseAction(c, stage, action, 'task', key, d),
      title: t.title,
      ...(t.assignee ? { assignee: t.assignee } : {}),
      dueDate: addDays(d, t.dueInDays),
    };
  }

  private fireAction(
    c: CaseState,
    s: Stage,
    a: Action,
    d: LocalDate,
    key: string,
    pd: PastDue,
    charge: Charge | undefined,
    occurrence?: number,
  ): PlannedAction | undefined {
    const base = this.baseAction(
      c,
      s.id,
      a.id,
      a.type,
      key,
      d,
      s,
      a.type === 'escalate' ? a.to : undefined,
    );
    if (charge) base.chargeId = charge.id;
    if (occurrence !== undefined) base.occurrence = occurrence;
    switch (a.type) {
      case 'message':
        this.fireMessage(c, s, a, base);
        return base;
      case 'document':
        this.fireDocument(a, base);
        return base;
      case 'fee':
        this.fireFee(c, a, base, d, pd, charge);
        return base;
      case 'task':
        base.title = a.title;
        if (a.assignee) base.assignee = a.assignee;
        base.dueDate = addDays(d, a.dueInDays);
        break;
      case 'overlock':
      case 'cut_lock':
        base.title =
          a.type === 'overlock' ? 'Overlock the unit' : 'Cut lock and inventory the unit';
        if (a.assignee) base.assignee = a.assignee;
        base.dueDate = addDays(d, a.dueInDays);
        break;
      case 'access':
        if (a.deny?.length) {
          base.deny = a.deny;
          c.denied.push({ stage: s.id, action: a.id, targets: a.deny });
        }
        if (a.restore?.length) base.restore = a.restore;
        break;
      case 'status':
        base.set = a.set;
        break;
      case 'auction':
        if (a.inDays !== undefined) base.saleDate = addDays(d, a.inDays);
        break;
      case 'escalate':
        base.to = a.to;
        break;
      case 'writeback':
        base.target = a.target;
        if (Object.keys(a.fields).length > 0) base.fields = a.fields;
        break;
      case 'webhook':
        base.url = a.url;
        base.event = a.event;
        break;
      case 'insurance':
        break;
    }
    this.emitAction(base);
    return base;
  }

  private fireMessage(c: CaseState, s: Stage, a: MessageAction, base: PlannedAction): void {
    base.channel = a.channel;
    base.template = a.template;
    const recipients = this.book.recipients(a.to);
    const checks = recipients.map((r) => ({
      contact: r,
      reason: this.book.messageBlock(r, a.channel),
    }));
    this.finishDelivered(
      base,
      checks.map((x) => ({ contact: x.contact, method: a.channel, reason: x.reason })),
      a.channel,
    );
    if (a.fallback) {
      const failed = checks.filter((x) => x.reason !== null).map((x) => x.contact);
      if (failed.length > 0) {
        const fb: PlannedAction = {
          ...this.baseAction(c, s.id, a.id, 'message', `${base.key}:fallback`, base.date, s),
          channel: a.fallback,
          template: a.template,
          fallbackFor: base.key,
        };
        if (base.chargeId) fb.chargeId = base.chargeId;
        if (base.occurrence !== undefined) fb.occurrence = base.occurrence;
        const fbChannel = a.fallback;
        this.finishDelivered(
          fb,
          failed.map((contact) => ({
            contact,
            method: fbChannel,
            reason: this.book.messageBlock(contact, fbChannel),
          })),
          fbChannel,
        );
      }
    }
  }

  private fireDocument(a: DocumentAction, base: PlannedAction): void {
    base.template = a.template;
    const recipients = this.book.recipients(a.to);
    const list: { contact: Tenant; method: string; reason: Reason | null }[] = [];
    for (const r of recipients)
      for (const m of a.delivery)
        list.push({ contact: r, method: m, reason: this.book.documentBlock(r, m) });
    if (recipients.length > 0 && a.delivery.length === 0) {
      // Generated for the file and the notice manager, delivered by staff.
      this.emitAction(base);
      return;
    }
    this.finishDelivered(base, list, null);
  }

  /**
   * Deliveries, status and the execution instant of a message or document: one delivery
   * per contact and method; windows and frequency caps move the instant later.
   */
  private finishDelivered(
    act: PlannedAction,
    list: { contact: Tenant; method: string; reason: Reason | null }[],
    channel: Channel | null,
  ): void {
    const several = list.length > 1;
    const deliveries: Delivery[] = list.map((x) => ({
      key: several ? deliveryKey(act.key, x.contact.id, x.method) : act.key,
      contactId: x.contact.id,
      method: x.method,
      status: x.reason ? 'skipped' : 'due',
      reason: x.reason,
    }));
    act.deliveries = deliveries;
    const live = list.filter((x) => x.reason === null);
    if (live.length === 0) {
      act.status = 'skipped';
      act.reason = list[0]?.reason ?? 'no_contact';
      this.emitAction(act);
      return;
    }
    const windowed = live.filter(
      (x) => WINDOWED_CHANNELS.has(x.method) || E_DELIVERY.has(x.method),
    );
    const cap = channel ? frequencyCapOf(this.policy, channel) : undefined;
    const liveIds = live.map((x) => x.contact.id);
    const fitWith =
      (withCap: boolean) =>
      (ms: number): number => {
        let t = ms;
        for (let i = 0; i < 20; i++) {
          let next = t;
          for (const x of windowed)
            next = nextAllowedEpoch(next, x.contact.timezone ?? this.tz, this.window);
          if (withCap && cap && channel)
            for (const id of liveIds) next = Math.max(next, this.capAllows(id, channel, next, cap));
          if (next === t) return t;
          t = next;
        }
        return t;
      };
    const fit = fitWith(true);
    const scheduled = Date.parse(act.at);
    const at = fit(scheduled);
    const byCap = cap !== undefined && at > fitWith(false)(scheduled);
    this.schedule(act, scheduled, at, fit, byCap ? 'frequency_cap' : null, liveIds, channel);
  }

  private capAllows(
    contactId: string,
    channel: Channel,
    ms: number,
    cap: { max: number; perDays: number },
  ): number {
    return capAllowsAt(this.channelAttempts.get(`${contactId}:${channel}`) ?? [], ms, cap);
  }

  private recordAttempt(
    contactIds: string[],
    channel: Channel | null,
    ms: number,
    sign: 1 | -1,
  ): void {
    if (!channel) return;
    for (const id of contactIds) {
      const k = `${id}:${channel}`;
      const list = this.channelAttempts.get(k) ?? [];
      if (sign === 1) {
        list.push(ms);
        list.sort((a, b) => a - b);
      } else {
        const i = list.indexOf(ms);
        if (i >= 0) list.splice(i, 1);
      }
      this.channelAttempts.set(k, list);
    }
  }

  private schedule(
    act: PlannedAction,
    scheduled: number,
    at: number,
    fit: (ms: number) => number,
    deferReason: Reason | null,
    contactIds: string[],
    channel: Channel | null,
  ): void {
    if (at !== scheduled) {
      act.deferredFrom = epochToIso(scheduled);
      if (deferReason) act.reason = deferReason;
    }
    act.at = epochToIso(at);
    const firedOn = act.date;
    const local = epochToLocal(at, this.tz);
    act.date = local.date;
    this.recordAttempt(contactIds, channel, at, 1);
    if (local.date > firedOn) {
      this.pending.push({ action: act, notBefore: at, fit, contactIds, channel, moved: false });
      return;
    }
    this.emitAction(act);
  }

  /** Pending actions due on a held day wait for the hold to end. */
  private holdPending(d: LocalDate): void {
    for (const p of this.pending) {
      if (p.action.date !== d) continue;
      if (!p.moved) this.recordAttempt(p.contactIds, p.channel, p.notBefore, -1);
      const next = addDays(d, 1);
      p.moved = true;
      p.action.deferredFrom ??= p.action.at;
      p.notBefore = localToEpoch(next, this.runAt, this.tz);
      p.action.date = next;
      p.action.at = epochToIso(p.notBefore);
    }
  }

  private releasePending(d: LocalDate): void {
    const stay: Pending[] = [];
    for (const p of this.pending) {
      if (p.action.date > d) {
        stay.push(p);
        continue;
      }
      if (p.moved) {
        const at = p.fit(p.notBefore);
        p.moved = false;
        p.notBefore = at;
        this.recordAttempt(p.contactIds, p.channel, at, 1);
        p.action.at = epochToIso(at);
        p.action.date = epochToLocal(at, this.tz).date;
        if (p.action.date > d) {
          stay.push(p);
          continue;
        }
      }
      this.emitAction(p.action);
    }
    this.pending = stay;
  }

  private fireFee(
    c: CaseState,
    a: FeeAction,
    act: PlannedAction,
    d: LocalDate,
    pd: PastDue,
    charge: Charge | undefined,
  ): void {
    act.feeKind = a.kind;
    const lease = this.input.lease;
    let amount: number | undefined;
    if (a.amountCents !== undefined) amount = a.amountCents;
    else if (a.percent !== undefined)
      amount = percentOf(
        a.of === 'past_due_rent' ? pd.pastDueRentCents : lease.rentCents,
        a.percent,
      );
    else if (a.fromLease) amount = lease.terms?.lateFeeCents;
    if (amount === undefined || amount <= 0) {
      act.status = 'skipped';
      act.reason = 'not_applicable';
      act.amountCents = 0;
      this.emitAction(act);
      return;
    }
    // The late charge this fee is for: its invoice, else the oldest unpaid rent.
    const lateCharge = charge ?? this.oldestUnpaidRent(d) ?? pd.oldest;
    const chargeKey = lateCharge?.id ?? '$case';
    let capped = false;

    if (a.capCents !== undefined) {
      const series = `${act.stage}:${act.action}:${chargeKey}`;
      const used = c.policyCapUsed.get(series) ?? 0;
      const left = Math.max(0, a.capCents - used);
      if (amount > left) {
        amount = left;
        capped = true;
      }
    }
    if (a.kind === 'late') {
      const rule = lateFeeRuleFor(this.input.property.jurisdiction, this.input.property.kind, d);
      if (rule && lateCharge && daysBetween(lateCharge.dueDate, d) < rule.earliestDay) {
        act.status = 'skipped';
        act.reason = 'not_applicable';
        act.amountCents = 0;
        this.emitAction(act);
        return;
      }
      if (rule) {
        const seriesKey = act.occurrence !== undefined ? `${act.stage}:${act.action}` : act.key;
        const prior = c.lateFeesByCharge.get(chargeKey);
        if (rule.oncePerLatePayment && prior && [...prior.keys].some((k) => k !== seriesKey)) {
          act.status = 'skipped';
          act.reason = 'fee_cap';
          act.amountCents = 0;
          this.emitAction(act);
          return;
        }
        const cap = feeCapCents(rule.cap, {
          monthlyRentCents: lease.rentCents,
          pastDueRentCents: pd.pastDueRentCents,
          unitCount: this.input.property.unitCount,
        });
        if (cap !== null) {
          const left = Math.max(0, cap - (prior?.cents ?? 0));
          if (amount > left) {
            amount = left;
            capped = true;
          }
        }
      }
    }
    if (amount <= 0) {
      act.status = 'skipped';
      act.reason = 'fee_cap';
      act.amountCents = 0;
      this.emitAction(act);
      return;
    }
    act.amountCents = amount;
    if (capped) act.reason = 'fee_capped';
    if (a.capCents !== undefined) {
      const series = `${act.stage}:${act.action}:${chargeKey}`;
      c.policyCapUsed.set(series, (c.policyCapUsed.get(series) ?? 0) + amount);
    }
    if (a.kind === 'late') {
      const seriesKey = act.occurrence !== undefined ? `${act.stage}:${act.action}` : act.key;
      const prior = c.lateFeesByCharge.get(chargeKey) ?? { cents: 0, keys: new Set<string>() };
      prior.cents += amount;
      prior.keys.add(seriesKey);
      c.lateFeesByCharge.set(chargeKey, prior);
    }
    // The fee posts to the (simulated) ledger, due the day it is assessed, unless the
    // operational engine already posted it for real (its ledger entry's id is the key).
    if (!this.postedIds().has(act.key))
      this.inEffect.push({
        id: act.key,
        leaseId: lease.id,
        date: d,
        type: 'charge',
        category: 'fee',
        amountCents: amount,
        dueDate: d,
      });
    this.allocationDirty = true;
    this.emitAction(act);
  }

  private posted: Set<string> | undefined;
  private postedIds(): Set<string> {
    return (this.posted ??= new Set(this.ledger.map((e) => e.id)));
  }

  private oldestUnpaidRent(d: LocalDate): Charge | undefined {
    const a = this.currentAllocation();
    return a.charges.find(
      (c) => c.category === 'rent' && d > c.dueDate && (a.unpaid.get(c.id) ?? 0) > 0,
    );
  }

  private emitAction(a: PlannedAction): void {
    if (a.date < this.span.from || a.date > this.span.to) return;
    this.actions.push(a);
  }
}

function recurringOf(a: Action): 'once' | 'per_invoice' | 'daily' {
  return 'recurring' in a ? a.recurring : 'once';
}

function parseDeliveryKey(
  key: string,
): { stage: string; action: string; contactId?: string; method?: string } | undefined {
  const [head, contactId, method] = key.split('/');
  const parts = head?.split(':') ?? [];
  if (parts.length < 4) return undefined;
  return { stage: parts[2]!, action: parts[3]!, contactId, method };
}
