/**
 * The JSON the dashboard reads, as src/http/routes/v1/*.ts answer it. Fields the server may
 * not send yet are optional; pages never assume more than they render.
 */

export type Role = 'admin' | 'manager' | 'collections' | 'legal' | 'finance' | 'owner' | 'auditor';

export interface SessionUser {
  id: string;
  email: string;
  role: Role | string;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
}

export const READ_ONLY_ROLES: readonly string[] = ['owner', 'auditor'];

export type OutboxStatus =
  | 'draft'
  | 'approved'
  | 'dispatching'
  | 'sent'
  | 'delivered'
  | 'failed'
  | 'cancelled'
  | 'unknown'
  | 'rejected'
  | 'expired'
  | 'skipped';

export const OUTBOX_STATUSES: readonly OutboxStatus[] = [
  'draft',
  'approved',
  'dispatching',
  'sent',
  'delivered',
  'failed',
  'cancelled',
  'unknown',
  'rejected',
  'expired',
  'skipped',
];

export interface OutboxItem {
  key: string;
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  type: string;
  channel: string | null;
  method: string | null;
  contactId: string | null;
  status: OutboxStatus | string;
  reason: string | null;
  policyId: string | null;
  policyVersion: number | null;
  amountCents: number | null;
  pastDueCents: number | null;
  approvalsRequired: number;
  version: number;
  dueAt: string;
  attempts: number;
  provider: string | null;
  providerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface QueueApproval {
  userId: string;
  email: string | null;
  at: string;
}

export interface QueueItem extends OutboxItem {
  propertyId: string | null;
  approvals: QueueApproval[];
  required: number;
  needs: number;
  subject: string | null;
  body: string | null;
  lease: { id: string; unit: string } | null;
  tenant: { id: string; name: string } | null;
  property: { id: string; name: string } | null;
  /** SPEC 5 readiness of the lease, when the server adds it. */
  readiness?: string;
}

export interface DecisionEntry {
  key: string;
  version: number;
  approvals?: number;
  required?: number;
}

export interface ApproveResult {
  user: { email: string; role: string };
  approved: DecisionEntry[];
  pending: DecisionEntry[];
  waiting: DecisionEntry[];
  refused: { key: string; code: string; message: string }[];
}

export interface EditResult extends OutboxItem {
  changed: boolean;
  subject: string | null;
  body: string | null;
}

export interface ExceptionRow {
  leaseId: string;
  propertyId?: string;
  unit?: string;
  state: string;
  code: string;
  reasonState?: string;
  severity?: string;
  detail?: string;
  amountCents?: number;
  owner: string;
  nextAction: string;
  due: string;
  since?: string;
}

export interface ChangeRow {
  leaseId: string;
  type: string;
  detail: string;
  episode?: number;
  hold?: string;
  amountCents?: number;
  id?: string;
  date?: string;
  from?: string | number | null;
  to?: string | number | null;
}

export interface ChangesResponse {
  id?: string;
  asOf?: string;
  finishedAt?: string;
  counts?: Record<string, number>;
  changes: ChangeRow[];
}

export interface CaseSummary {
  leaseId: string;
  episode: number;
  open: boolean;
  opened: string;
  anchor: string;
  closed: string | null;
  outcome: string | null;
  policyId: string | null;
  policyVersion: number | null;
  propertyId?: string | null;
  unit?: string | null;
}

export interface TimelineEntry {
  kind: 'ledger' | 'action' | 'event' | 'approval' | 'proof' | 'audit' | string;
  date: string;
  at: string | null;
  [field: string]: unknown;
}

export interface CaseDetail extends CaseSummary {
  items: OutboxItem[];
  timeline: TimelineEntry[];
}

export interface CasePage {
  lease: {
    id: string;
    unit: string;
    spaceType: string | null;
    rentCents: number;
    status: string | null;
    tags: string[];
  };
  property: {
    id: string;
    name: string;
    kind: string;
    jurisdiction: string;
    timezone: string;
  } | null;
  tenants: { id: string; name: string; role?: string }[];
  balanceCents: number;
  cases: CaseDetail[];
}

export interface Reply {
  id: string;
  leaseId: string | null;
  tenantId: string | null;
  episode: number | null;
  channel: string;
  from?: string;
  text: string;
  receivedAt: string;
  intent: string;
  status: 'matched' | 'unmatched' | string;
}

export interface Suggestion {
  id: string;
  replyId: string;
  leaseId: string;
  tenantId: string | null;
  episode: number | null;
  kind: string;
  intent?: string;
  channel?: string;
  replyDate?: string;
  proposal: { amountCents?: number; until?: string; [k: string]: unknown };
  status: 'open' | 'confirmed' | 'dismissed' | string;
  text?: string;
  receivedAt?: string;
  createdAt?: string;
  decidedBy?: string | null;
  decidedAt?: string | null;
}

export interface Hold {
  id?: string;
  /** active, released or expired (GET /holds). */
  state?: string;
  origin?: string;
  releasedOn?: string | null;
  promise?: { amountCents?: number; since?: string; outcome?: string | null } | null;
  leaseId?: string;
  type?: string;
  hold?: string;
  scope?: string;
  since?: string;
  start?: string;
  date?: string;
  until?: string | null;
  chargeId?: string | null;
  reason?: string | null;
  note?: string | null;
  by?: string | null;
  active?: boolean;
}

export interface Task {
  key?: string;
  id?: string;
  leaseId: string | null;
  propertyId?: string | null;
  episode?: number | null;
  stage?: string;
  action?: string;
  title: string;
  category?: string | null;
  assignee: string | null;
  dueDate: string | null;
  /** pending (not created yet), open, done, cancelled, or a final outbox status. */
  status: string;
  outboxStatus?: string;
  reason?: string | null;
  createdAt?: string;
  updatedAt?: string;
  completedAt?: string | null;
  completedBy?: string | null;
  note?: string | null;
}

export interface LeaseListItem {
  id: string;
  unit?: string;
  propertyId?: string;
  property?: { id: string; name: string } | null;
  tenants?: { id: string; name: string }[];
  tenant?: { id: string; name: string } | null;
  balanceCents?: number;
  pastDueCents?: number;
  status?: string | null;
  readiness?: string;
}

export interface PolicySummary {
  id: string;
  version?: number;
  name?: string | null;
  description?: string | null;
  appliesTo?: unknown;
  author?: string | null;
  createdBy?: string | null;
  createdAt?: string | null;
  propertyId?: string | null;
}

export interface PolicyDetail extends PolicySummary {
  source?: string;
  format?: 'yaml' | 'json' | string;
  policy?: unknown;
}

export interface Connector {
  id: string;
  name?: string;
  available?: boolean;
  configured?: boolean;
  roles?: string[];
  sends?: string[];
  missing?: string[];
  status?: string;
  health?: string;
  lastError?: string | null;
  lastSuccessAt?: string | null;
  lastFailureAt?: string | null;
  failures?: number;
}

export interface ConnectorTest {
  id?: string;
  ok: boolean;
  detail: string;
  latencyMs?: number;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  type: string;
  subject: string;
}

export interface DemoState {
  enabled: boolean;
  today?: string;
}

export interface ReadinessWarning {
  code: string;
  message: string;
  count?: number;
}

export interface Readiness {
  status: 'ready' | 'not_ready' | string;
  checkedAt?: string;
  lastScanAt?: string | null;
  checks?: {
    scan?: { ok: boolean; detail: string; lastFinishedAt?: string | null };
    [name: string]: unknown;
  };
  failing?: string[];
  warnings?: ReadinessWarning[];
}

export type AgingBucket = 'current' | '1-30' | '31-60' | '61-90' | '90+';
export const AGING_BUCKETS: readonly AgingBucket[] = ['current', '1-30', '31-60', '61-90', '90+'];

export interface AgingReport {
  asOf: string;
  buckets: Record<AgingBucket, number>;
  unappliedCreditCents: number;
  totalCents: number;
  rows: {
    leaseId: string;
    tenant: string;
    property: string;
    propertyId: string;
    unit: string;
    buckets: Record<AgingBucket, number>;
    unappliedCreditCents: number;
    totalCents: number;
  }[];
}

export type Track = 'eviction' | 'lien' | 'collections';
export const TRACKS: readonly Track[] = ['eviction', 'lien', 'collections'];

export interface PipelineCase {
  leaseId: string;
  episode: number;
  opened: string;
  daysOpen: number;
  tenant: string;
  property: string;
  unit: string;
  track: Track;
  stage: string | null;
  stageName: string;
  pastDueCents: number;
}

export interface PipelineReport {
  asOf: string;
  totals: { cases: number; pastDueCents: number };
  byTrack: { track: Track; cases: number; pastDueCents: number }[];
  byStage: { stage: string | null; stageName: string; cases: number; pastDueCents: number }[];
  rows: {
    track: Track;
    stage: string | null;
    stageName: string;
    cases: number;
    pastDueCents: number;
  }[];
  cases: PipelineCase[];
}

export interface NoticeCounts {
  sent: number;
  delivered: number;
  failed: number;
  bounced: number;
  returned: number;
  unknown: number;
  pending: number;
  deliveryRate: number | null;
}

export interface NoticesReport {
  from: string;
  to: string;
  totals: NoticeCounts;
  rows: (NoticeCounts & { channel: string; method: string })[];
  notSent: { status: string; reason: string | null; count: number }[];
  items: {
    key: string;
    leaseId: string;
    type: string;
    channel: string;
    method: string;
    sentOn: string;
    outcome: string;
  }[];
}
