/**
 * Evaluation of jurisdiction fee caps (SPEC R11) and the bounds policy validation uses to
 * reject a fee that breaks a cap for every lease (SPEC 3.3).
 */
import { type Cents, percentOf } from '../money.js';
import type { FeeCap, FeeCapContext } from './types.js';

type Tier = Extract<FeeCap, { type: 'tiers' }>['tiers'][number];

function tierMatches(tier: Tier, value: number): boolean {
  if (tier.below !== undefined && !(value < tier.below)) return false;
  if (tier.atMost !== undefined && !(value <= tier.atMost)) return false;
  return true;
}

/** null (no cap) sorts above every number. */
function lowest(values: (Cents | null)[]): Cents | null {
  let best: Cents | null = null;
  for (const v of values) if (v !== null && (best === null || v < best)) best = v;
  return best;
}

/**
 * The cap in cents for one lease, or null when the cap does not limit it.
 * - `percent` rounds half-up to the cent (`percentOf`).
 * - `greater_of` is unbounded if any part is; `lesser_of` ignores unbounded parts.
 * - `tiers` use the first tier whose bounds hold (monthly rent in cents, or unit count).
 *   Without a unit count — or if no tier matches — the most conservative (lowest) tier
 *   applies.
 */
export function feeCapCents(cap: FeeCap | null, ctx: FeeCapContext): Cents | null {
  if (cap === null) return null;
  switch (cap.type) {
    case 'flat':
      return cap.cents;
    case 'percent':
      return percentOf(
        cap.of === 'monthly_rent' ? ctx.monthlyRentCents : ctx.pastDueRentCents,
        cap.percent,
      );
    case 'greater_of': {
      let best = -Infinity;
      for (const part of cap.of) {
        const v = feeCapCents(part, ctx);
        if (v === null) return null;
        if (v > best) best = v;
      }
      return best === -Infinity ? null : best;
    }
    case 'lesser_of':
      return lowest(cap.of.map((part) => feeCapCents(part, ctx)));
    case 'tiers': {
      const value = cap.by === 'monthly_rent' ? ctx.monthlyRentCents : ctx.unitCount;
      if (value !== undefined) {
        for (const tier of cap.tiers) {
          if (tierMatches(tier, value)) return feeCapCents(tier.cap, ctx);
        }
      }
      const all = cap.tiers.map((tier) => feeCapCents(tier.cap, ctx));
      return all.some((v) => v !== null) ? lowest(all) : null;
    }
  }
}

/** Upper bound of a cap when the monthly rent is at most `rentMax` cents. */
function upperBound(cap: FeeCap | null, rentMax: number): number {
  if (cap === null) return Infinity;
  switch (cap.type) {
    case 'flat':
      return cap.cents;
    case 'percent':
      // Past-due rent can exceed any bound (several months unpaid).
      return cap.of === 'monthly_rent' && Number.isFinite(rentMax)
        ? percentOf(rentMax, cap.percent)
        : Infinity;
    case 'greater_of':
      // An empty greater_of limits nothing (feeCapCents returns null for it).
      return cap.of.length === 0
        ? Infinity
        : cap.of.reduce((m, part) => Math.max(m, upperBound(part, rentMax)), -Infinity);
    case 'lesser_of':
      return cap.of.reduce((m, part) => Math.min(m, upperBound(part, rentMax)), Infinity);
    case 'tiers':
      if (cap.tiers.length === 0) return Infinity;
      return cap.tiers.reduce((m, tier) => {
        let tierRentMax = rentMax;
        if (cap.by === 'monthly_rent') {
          if (tier.atMost !== undefined) tierRentMax = Math.min(tierRentMax, tier.atMost);
          if (tier.below !== undefined) tierRentMax = Math.min(tierRentMax, tier.below - 1);
        }
        return Math.max(m, upperBound(tier.cap, tierRentMax));
      }, -Infinity);
  }
}

/**
 * The highest the cap can be for any lease, in cents; Infinity when it is unbounded
 * (no cap, or it grows with rent). A flat fee above this breaks the cap for every lease.
 */
export function capUpperBoundCents(cap: FeeCap | null): number {
  return upperBound(cap, Infinity);
}

/**
 * For a percent fee of `of`: the largest percent of that basis the cap can ever allow, when
 * the cap is (made only of) a percent of the same basis; otherwise undefined. A percent fee
 * above this breaks the cap for every lease.
 * - `percent` of the same basis → its percent;
 * - `lesser_of` → the smallest ceiling among its parts that have one;
 * - `greater_of` / `tiers` → the largest, only if every part / tier has one.
 */
export function capPercentCeiling(
  cap: FeeCap | null,
  of: 'monthly_rent' | 'past_due_rent',
): number | undefined {
  if (cap === null) return undefined;
  switch (cap.type) {
    case 'flat':
      return undefined;
    case 'percent':
      return cap.of === of ? cap.percent : undefined;
    case 'lesser_of': {
      let best: number | undefined;
      for (const part of cap.of) {
        const p = capPercentCeiling(part, of);
        if (p !== undefined && (best === undefined || p < best)) best = p;
      }
      return best;
    }
    case 'greater_of':
    case 'tiers': {
      const parts = cap.type === 'tiers' ? cap.tiers.map((t) => t.cap) : cap.of;
      if (parts.length === 0) return undefined;
      let best = -Infinity;
      for (const part of parts) {
        const p = capPercentCeiling(part, of);
        if (p === undefined) return undefined;
        if (p > best) best = p;
      }
      return best;
    }
  }
}
