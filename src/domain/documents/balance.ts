/**
 * The itemised balance a notice states: every unpaid charge that makes up the past-due
 * amount on the notice date (R1: counted categories, past their due date, after
 * allocation, less charge-scoped holds), so the lines always add up to the amount demanded.
 */
import type { LocalDate } from '../dates.js';
import { daysBetween } from '../dates.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import type { Cents } from '../money.js';
import type { Category, LedgerEntry } from '../portfolio/schema.js';
import { leaseFactsOn } from '../readiness/lease-facts.js';
import type { Locale } from '../templates/render.js';
import { formatMonth, noticeLabels } from './labels.js';

export interface BalanceLine {
  chargeId: string;
  /** Date the charge was posted. */
  date: LocalDate;
  dueDate: LocalDate;
  category: Category;
  /** In the notice's language: `Rent, October 2026`, `Fee: Late fee`, `Utilities (water)`. */
  description: string;
  /** The charge as posted. */
  chargedCents: Cents;
  /** What is still unpaid of it: the amount demanded. */
  unpaidCents: Cents;
}

export interface ItemisedBalance {
  asOf: LocalDate;
  /** Every past-due counted charge still unpaid, oldest due date first. */
  lines: BalanceLine[];
  pastDueCents: Cents;
  /** The rent lines alone, for notices that may demand rent only. */
  rentLines: BalanceLine[];
  pastDueRentCents: Cents;
  oldestDueDate?: LocalDate;
  daysPastDue?: number;
}

/** `{lease}:{episode}:{stage}:{action}`: a fee the engine itself posted (see app/post-fee.ts). */
function engineFeeStage(entry: LedgerEntry): string | undefined {
  const prefix = `${entry.leaseId}:`;
  if (!entry.id.startsWith(prefix)) return undefined;
  const parts = entry.id.slice(prefix.length).split(':');
  return parts.length >= 3 && /^\d+$/.test(parts[0]!) ? parts[1] : undefined;
}

function describe(
  entry: LedgerEntry | undefined,
  category: Category,
  dueDate: LocalDate,
  input: LeaseInput,
  locale: Locale,
): string {
  const labels = noticeLabels(locale);
  const label = labels.categories[category] ?? category;
  if (category === 'rent')
    return locale === 'es'
      ? `${label} de ${formatMonth(dueDate, locale)}`
      : `${label}, ${formatMonth(dueDate, locale)}`;
  const stageId = entry ? engineFeeStage(entry) : undefined;
  if (stageId !== undefined) {
    // The engine's own memo is `{stage}: {action}`: the stage's name tells the tenant more.
    const stage = input.policy.stages.find((s) => s.id === stageId);
    return `${labels.engineFee}: ${stage?.name ?? stageId}`;
  }
  return entry?.memo ? `${label} (${entry.memo})` : label;
}

export function itemisedBalance(
  input: LeaseInput,
  asOf: LocalDate,
  locale: Locale,
): ItemisedBalance {
  const facts = leaseFactsOn(input, asOf);
  const entries = new Map(input.ledger.map((e) => [e.id, e]));
  const lines: BalanceLine[] = [];
  for (const c of facts.allocation.charges) {
    if (!(asOf > c.dueDate)) break; // sorted by due date: the rest are not past due
    const unpaid = facts.allocation.unpaid.get(c.id) ?? 0;
    if (unpaid <= 0 || facts.heldCharges.has(c.id) || !facts.categories.has(c.category)) continue;
    const entry = entries.get(c.id);
    lines.push({
      chargeId: c.id,
      date: c.date,
      dueDate: c.dueDate,
      category: c.category,
      description: describe(entry, c.category, c.dueDate, input, locale),
      chargedCents: c.amountCents,
      unpaidCents: unpaid,
    });
  }
  const rentLines = lines.filter((l) => l.category === 'rent');
  const sum = (ls: BalanceLine[]) => ls.reduce((n, l) => n + l.unpaidCents, 0);
  const pastDueCents = sum(lines);
  const pastDueRentCents = sum(rentLines);
  // The lines are the evaluator's past-due amount taken apart; a difference is a bug here.
  if (
    pastDueCents !== facts.pastDue.pastDueCents ||
    pastDueRentCents !== facts.pastDue.pastDueRentCents
  )
    throw new Error(
      `itemised balance of ${input.lease.id} on ${asOf} (${pastDueCents}, rent ${pastDueRentCents}) ` +
        `differs from the past-due amount (${facts.pastDue.pastDueCents}, rent ${facts.pastDue.pastDueRentCents})`,
    );
  const oldest = lines[0]?.dueDate;
  return {
    asOf,
    lines,
    pastDueCents,
    rentLines,
    pastDueRentCents,
    ...(oldest !== undefined
      ? { oldestDueDate: oldest, daysPastDue: daysBetween(oldest, asOf) }
      : {}),
  };
}
