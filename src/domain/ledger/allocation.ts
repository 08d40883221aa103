/**
 * R1: which charges are paid. Reversals cancel the entry they reverse; payments and
 * credits with `appliesTo` pay that charge first; everything else (and any excess) joins
 * one pool, allocated to the oldest due date first, ties by id in code-unit order.
 */
import type { Cents } from '../money.js';
import type { Category, LedgerEntry } from '../portfolio/schema.js';

export interface Charge {
  id: string;
  date: string;
  dueDate: string;
  category: Category;
  amountCents: Cents;
}

export interface Allocation {
  /** Charges in effect, oldest due date first (ties by id). */
  charges: Charge[];
  /** Unpaid cents per charge id (0 when fully paid). */
  unpaid: Map<string, Cents>;
  /** Payments, credits and write-offs not allocated to any charge. */
  unappliedCents: Cents;
  /** Sum of charges − sum of payments/credits/write-offs in effect (the ledger balance). */
  balanceCents: Cents;
}

function byDueThenId(a: Charge, b: Charge): number {
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Entries are immutable input: derive each charge's view once (allocation is hot). A
// charge with its category is its own view (every charge has a due date): no lookup, no
// copy; a WeakMap entry per charge also costs every garbage collection.
const chargeViews = new WeakMap<LedgerEntry, Charge>();
function chargeOf(e: LedgerEntry): Charge {
  if (e.dueDate !== undefined && e.category !== undefined) return e as Charge;
  let c = chargeViews.get(e);
  if (!c) {
    c = {
      id: e.id,
      date: e.date,
      dueDate: e.dueDate ?? e.date,
      category: e.category ?? 'rent',
      amountCents: e.amountCents,
    };
    chargeViews.set(e, c);
  }
  return c;
}

function isSorted(charges: readonly Charge[]): boolean {
  for (let i = 1; i < charges.length; i++)
    if (byDueThenId(charges[i - 1]!, charges[i]!) > 0) return false;
  return true;
}

/** Allocate `entries`, all of which are in effect (the caller filters by date). */
export function allocate(entries: readonly LedgerEntry[]): Allocation {
  let reversed: Set<string> | undefined;
  for (const e of entries)
    if (e.type === 'reversal' && e.reverses) (reversed ??= new Set()).add(e.reverses);

  const charges: Charge[] = [];
  const credits: LedgerEntry[] = [];
  for (const e of entries) {
    if (e.type === 'reversal' || reversed?.has(e.id)) continue;
    if (e.type === 'charge') charges.push(chargeOf(e));
    else credits.push(e);
  }
  if (!isSorted(charges)) charges.sort(byDueThenId);
  const unpaid = new Map<string, Cents>();
  let chargeTotal = 0;
  for (const c of charges) {
    unpaid.set(c.id, c.amountCents);
    chargeTotal += c.amountCents;
  }

  let pool = 0;
  let creditTotal = 0;
  for (const p of credits) {
    creditTotal += p.amountCents;
    let left = p.amountCents;
    if (p.appliesTo !== undefined) {
      const owed = unpaid.get(p.appliesTo);
      if (owed !== undefined && owed > 0) {
        const used = Math.min(owed, left);
        unpaid.set(p.appliesTo, owed - used);
        left -= used;
      }
    }
    pool += left;
  }
  for (const c of charges) {
    if (pool <= 0) break;
    const owed = unpaid.get(c.id) ?? 0;
    if (owed <= 0) continue;
    const used = Math.min(owed, pool);
    unpaid.set(c.id, owed - used);
    pool -= used;
  }
  return { charges, unpaid, unappliedCents: pool, balanceCents: chargeTotal - creditTotal };
}

export interface PastDue {
  /** Unpaid cents of counted charges past due on the date, less charge-scoped holds. */
  pastDueCents: Cents;
  /** The same for category `rent` only. */
  pastDueRentCents: Cents;
  /** The oldest unpaid counted past-due charge, if any. */
  oldest?: Charge;
  /** Unpaid past-due cents of every category (for manual flags). */
  anyPastDueCents: Cents;
}

/**
 * Past-due amounts on local date `date`: a charge is past due when `date > dueDate` and
 * it is not fully paid.
 */
export function pastDueOn(
  allocation: Allocation,
  date: string,
  categories: ReadonlySet<string>,
  heldCharges?: ReadonlySet<string>,
): PastDue {
  let pastDueCents = 0;
  let pastDueRentCents = 0;
  let anyPastDueCents = 0;
  let oldest: Charge | undefined;
  for (const c of allocation.charges) {
    if (!(date > c.dueDate)) break; // sorted by due date: the rest are not yet due
    const owed = allocation.unpaid.get(c.id) ?? 0;
    if (owed <= 0) continue;
    if (heldCharges?.has(c.id)) continue;
    anyPastDueCents += owed;
    if (!categories.has(c.category)) continue;
    pastDueCents += owed;
    if (c.category === 'rent') pastDueRentCents += owed;
    if (oldest === undefined) oldest = c;
  }
  return { pastDueCents, pastDueRentCents, oldest, anyPastDueCents };
}
