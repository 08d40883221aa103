/**
 * Which payment, credit or write-off paid which charge: R1 allocation (ledger/allocation.ts)
 * with its pieces named, for the reports that must say where money went (dollars recovered
 * from past-due charges, fees collected vs waived).
 *
 * The amounts per charge are exactly R1's: reversals cancel the entry they reverse; an entry
 * with `appliesTo` pays that charge first; everything else (and any excess) joins one pool
 * that pays charges oldest due date first (ties by id). R1 does not say which entry of the
 * pool paid which charge (it does not need to); here the pool is spent first in, first out:
 * entries by date then id, so an earlier payment pays an earlier charge.
 *
 * Pure.
 */
import type { Charge } from '../ledger/allocation.js';
import type { Cents } from '../money.js';
import type { LedgerEntry } from '../portfolio/schema.js';

export interface Application {
  /** The payment, credit or write-off. */
  entry: LedgerEntry;
  charge: Charge;
  cents: Cents;
}

export interface Attribution {
  /** Charges in effect, oldest due date first (ties by id). */
  charges: Charge[];
  unpaid: Map<string, Cents>;
  applications: Application[];
  unappliedCents: Cents;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Attribute `entries`, all of which are in effect (the caller filters by date). */
export function attribute(entries: readonly LedgerEntry[]): Attribution {
  const reversed = new Set<string>();
  for (const e of entries) if (e.type === 'reversal' && e.reverses) reversed.add(e.reverses);
  const charges: Charge[] = [];
  const credits: LedgerEntry[] = [];
  for (const e of entries) {
    if (e.type === 'reversal' || reversed.has(e.id)) continue;
    if (e.type === 'charge')
      charges.push({
        id: e.id,
        date: e.date,
        dueDate: e.dueDate ?? e.date,
        category: e.category ?? 'rent',
        amountCents: e.amountCents,
      });
    else credits.push(e);
  }
  charges.sort((a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.id, b.id));
  credits.sort((a, b) => cmp(a.date, b.date) || cmp(a.id, b.id));
  const byId = new Map(charges.map((c) => [c.id, c]));
  const unpaid = new Map(charges.map((c) => [c.id, c.amountCents]));
  const applications: Application[] = [];

  const pool: { entry: LedgerEntry; left: Cents }[] = [];
  for (const entry of credits) {
    let left = entry.amountCents;
    const target = entry.appliesTo !== undefined ? byId.get(entry.appliesTo) : undefined;
    if (target) {
      const owed = unpaid.get(target.id)!;
      const used = Math.min(owed, left);
      if (used > 0) {
        unpaid.set(target.id, owed - used);
        applications.push({ entry, charge: target, cents: used });
        left -= used;
      }
    }
    if (left > 0) pool.push({ entry, left });
  }
  let p = 0;
  for (const charge of charges) {
    let owed = unpaid.get(charge.id)!;
    while (owed > 0 && p < pool.length) {
      const piece = pool[p]!;
      const used = Math.min(owed, piece.left);
      applications.push({ entry: piece.entry, charge, cents: used });
      owed -= used;
      piece.left -= used;
      if (piece.left === 0) p++;
    }
    unpaid.set(charge.id, owed);
  }
  let unappliedCents = 0;
  for (const piece of pool) unappliedCents += piece.left;
  return { charges, unpaid, applications, unappliedCents };
}
