/** Aging buckets of SPEC 9 (`report aging`): unpaid charges by `asOf − dueDate` in days. */
import { daysBetween } from '../dates.js';
import type { Cents } from '../money.js';
import type { Allocation } from './allocation.js';

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
export type AgingBuckets = Record<AgingBucket, Cents>;

export function emptyBuckets(): AgingBuckets {
  return { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 };
}

export function bucketFor(ageDays: number): AgingBucket {
  if (ageDays <= 0) return 'current';
  if (ageDays <= 30) return '1-30';
  if (ageDays <= 60) return '31-60';
  if (ageDays <= 90) return '61-90';
  return '90+';
}

export function agingOf(allocation: Allocation, asOf: string): AgingBuckets {
  const buckets = emptyBuckets();
  for (const c of allocation.charges) {
    const owed = allocation.unpaid.get(c.id) ?? 0;
    if (owed > 0) buckets[bucketFor(daysBetween(c.dueDate, asOf))] += owed;
  }
  return buckets;
}
