/** The plan is data: what the evaluator decides, with a reason for everything not done. */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { ActionType } from '../policy/schema.js';

export const REASONS = [
  'superseded',
  'not_applicable',
  'paid',
  'closed',
  'no_consent',
  'opted_out',
  'no_contact',
  'bad_contact',
  'fee_cap',
  'fee_capped',
  'hold',
  'frequency_cap',
  'balance_changed',
] as const;
export type Reason = (typeof REASONS)[number];

export type ActionStatus = 'due' | 'skipped' | 'cancelled';

export interface Delivery {
  key: string;
  contactId: string;
  /** Channel for messages, delivery method for documents. */
  method: string;
  status: ActionStatus;
  reason: Reason | null;
}

export interface PlannedAction {
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  type: ActionType;
  channel: string | null;
  /** Local date (property time zone) the action executes, after any deferral. */
  date: LocalDate;
  /** Instant (ISO UTC) the action executes. */
  at: string;
  status: ActionStatus;
  reason: Reason | null;
  requiresApproval: boolean;
  amountCents: Cents | null;
  deferredFrom: string | null;
  key: string;
  /** Approvals needed before dispatch: 0, 1, or 2 (two-person). */
  approvals?: number;
  fallbackFor?: string;
  deliveries?: Delivery[];
  chargeId?: string;
  occurrence?: number;
  template?: string;
  title?: string;
  assignee?: string;
  dueDate?: LocalDate;
  deny?: string[];
  restore?: string[];
  set?: string;
  to?: string;
  feeKind?: string;
  saleDate?: LocalDate;
  /** `webhook`: where it is posted and the event name it carries. */
  url?: string;
  event?: string;
  /** `writeback`: the connector and the fields it writes. */
  target?: string;
  fields?: Record<string, string>;
  policyId?: string;
  policyVersion?: number;
}

export type TimelineEventType =
  | 'case_opened'
  | 'case_closed'
  | 'hold_started'
  | 'hold_released'
  | 'promise_kept'
  | 'promise_broken'
  | 'plan_broken'
  | 'reply_classified'
  | 'opted_out'
  | 'opted_in'
  | 'contact_bad'
  | 'service_failed';

export interface TimelineEvent {
  leaseId: string;
  date: LocalDate;
  type: TimelineEventType;
  hold?: string;
  intent?: string;
  channel?: string;
  contactId?: string;
  amountCents?: Cents;
  promisedDate?: LocalDate;
  episode?: number;
  outcome?: string;
  key?: string;
}

export interface EpisodeSummary {
  leaseId: string;
  episode: number;
  opened: LocalDate;
  anchor: LocalDate;
  closed: LocalDate | null;
  outcome: string | null;
  policyId?: string;
  policyVersion?: number;
}

export interface LeaseTimeline {
  actions: PlannedAction[];
  episodes: EpisodeSummary[];
  events: TimelineEvent[];
  /** The lease as it stands at the end of the window's last day (the dispatch re-check). */
  final?: LeaseStanding;
}

export interface LeaseStanding {
  date: LocalDate;
  pastDueCents: Cents;
  /** Hold types pausing the lease on `date` (R8). */
  holds: string[];
  /** Why a message to (contact, channel) or a document by (contact, method) would be
   * skipped on `date`, or null when it may go. Keyed `contactId/channelOrMethod`. */
  blocked: (contactId: string, channelOrMethod: string) => Reason | null;
}
