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
  /**
   * Parts of the rule the reference could not confirm although the rest has `status`, e.g.
   * `delivery methods` or `statutory form`. A stage relying on a rule with unverified parts
   * is treated like one relying on an unverified rule: no autopilot without counsel.
   */
  unverifiedParts?: string[];
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

/**
 * A step of a policy that may only be taken once a notice's period has run:
 * - `filing`: an `escalate` to `legal`, or a `status` action setting `eviction`;
 * - `access_denial`: an `access` action that denies something;
 * - `overlock`, `cut_lock`: those actions;
 * - `sale`: an `auction` action (its sale date: the stage's date + `inDays`);
 * - `notice:<template>`: a document action with that template.
 */
export type FollowUp =
  'filing' | 'access_denial' | 'overlock' | 'cut_lock' | 'sale' | `notice:${string}`;

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
  /**
   * Steps that must wait for the notice's period: a sale may be held on or after the
   * deadline (the period is "at least N days before the sale"), any other step from the day
   * after it (the tenant has the whole last day). When absent, the template's default
   * applies (`followUpsOf` in deadlines.ts): a pay-or-quit notice precedes the filing; lien
   * notices precede the cut lock and the sale, and a preliminary lien notice also the lockout
   * and the lien notice; the sale advertisement precedes the sale.
   */
  mustPrecede?: FollowUp[];
  /** Notices that must have been sent in an earlier stage (e.g. NY's RPL §235-e notice). */
  precededBy?: PriorNotice[];
  /**
   * Methods accepted only together with another in the same action, e.g. NY storage: e-mail
   * only with verified mail (`{email: ['certified_mail', …]}`).
   */
  onlyWith?: Partial<Record<DeliveryMethod, DeliveryMethod[]>>;
}

/** A notice that must come before another one, in an earlier stage of the policy. */
export interface PriorNotice {
  /** Template id of the earlier notice, e.g. `past-due-notice`. */
  template: string;
  /** What it is, for people: "written notice of non-receipt of rent". */
  title: string;
  citation: string;
  /** It must go by at least one of these methods (e.g. certified mail). */
  sentBy?: DeliveryMethod[];
  /** Earliest day after the rent's due date it may be sent. */
  earliestDay?: number;
  /** Minimum calendar days between it and the notice that requires it. */
  minDaysBefore?: number;
}

/**
 * What a pack knows about the self-storage lien sale itself — its earliest date beyond the
 * notices' periods and its advertising. A policy's `auction` actions rely on it, so an
 * `unverified` sale rule keeps a sale stage out of autopilot.
 */
export interface SaleRule extends RuleMeta {
  appliesTo: PropertyKind[];
  title: string;
}

export interface JurisdictionPack {
  /** `US-CA`, `US-TX`, `US` (federal overlay). */
  id: string;
  name: string;
  /** date-holidays style calendar id used for business / court days. */
  holidays: string;
  lateFees: LateFeeRule[];
  notices: NoticeRule[];
  /** Lien-sale rules (self-storage); absent when the pack has none. */
  sales?: SaleRule[];
}
