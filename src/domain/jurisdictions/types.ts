/**
 * The jurisdiction-pack format. Every rule carries when it is in force, its citation and
 * how well it was verified, so the engine can refuse autopilot on unverified law and a
 * user can check every default against its source.
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { DeliveryMethod, PropertyKind } from '../portfolio/schema.js';

/** verified: statute text read; secondary: restated by a secondary source; unverified: not confirmed. */
export type RuleStatus = 'verified' | 'secondary' | 'unverified';

export interface RuleMeta {
  /** Stable id, e.g. `US-CA/storage/late-fee`. */
  id: string;
  /** First local date the rule is in force (inclusive). */
  effectiveFrom: LocalDate;
  /** Last local date the rule is in force (inclusive); absent while in force. */
  effectiveTo?: LocalDate;
  citation: string;
  sources: string[];
  status: RuleStatus;
  note?: string;
}

/** Fee cap as data; evaluated by `feeCapCents` against a lease's figures. */
export type FeeCap =
  | { type: 'flat'; cents: Cents }
  | { type: 'percent'; percent: number; of: 'monthly_rent' | 'past_due_rent' }
  | { type: 'greater_of'; of: FeeCap[] }
  | { type: 'lesser_of'; of: FeeCap[] }
  | {
      type: 'tiers';
      by: 'monthly_rent' | 'unit_count';
      /** First tier whose bound holds wins; a tier without `below` / `atMost` is the catch-all. */
      tiers: { below?: number; atMost?: number; cap: FeeCap | null }[];
    };

export interface FeeCapContext {
  monthlyRentCents: Cents;
  pastDueRentCents: Cents;
  unitCount?: number;
}

export interface LateFeeRule extends RuleMeta {
  appliesTo: PropertyKind[];
  /**
   * Minimum whole days between the rent's due date and the day a late fee may be
   * assessed (e.g. CA storage 10, TX residential 3 = "two full days" after the due date).
   */
  earliestDay: number;
  /** Cumulative cap per late rent charge; null = no statutory cap. */
  cap: FeeCap | null;
  /** At most one late fee per late payment. */
  oncePerLatePayment: boolean;
}

export type DayCounting = 'calendar' | 'court_days' | 'business_days' | 'judicial_days';

export interface NoticeRule extends RuleMeta {
  appliesTo: PropertyKind[];
  /** Template ids of the notices this rule governs, e.g. `pay-or-quit-notice`. */
  templates: string[];
  /** What the notice is, for people: "3-day notice to pay rent or quit". */
  title: string;
  periodDays: number;
  counting: DayCounting;
  /** Holiday calendar for court / business days, e.g. `US-CA`. */
  holidays: string;
  /** Whether the day of service counts as day 1 (false for CCP §12). */
  serviceDayCounts: boolean;
  /** Extra calendar days added when served by mail, by method. */
  mailingExtensionDays?: Partial<Record<DeliveryMethod, number>>;
  /** Delivery methods the statute accepts for this notice; the policy may use no other. */
  deliveryMethods: DeliveryMethod[];
  /** Methods accepted only with the occupant's written consent (e.g. e-mail). */
  consentRequiredFor?: DeliveryMethod[];
  /** Earliest day (after the rent's due date) the notice may be served, if any. */
  earliestDay?: number;
  /** Statutory wording slots for the document renderer. */
  wording?: Record<string, string>;
}

export interface JurisdictionPack {
  /** `US-CA`, `US-TX`, `US` (federal overlay). */
  id: string;
  name: string;
  /** date-holidays style calendar id used for business / court days. */
  holidays: string;
  lateFees: LateFeeRule[];
  notices: NoticeRule[];
}
