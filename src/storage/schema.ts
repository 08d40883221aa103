/**
 * The Kysely types of every table (migrations/0001-initial.ts creates them). One schema
 * for both engines, so only portable types:
 *
 * - ids, codes, keys: TEXT (byte-order comparison on both engines);
 * - money: `bigint` integer cents, read back as a JS number on both engines;
 * - local dates: TEXT `YYYY-MM-DD`; instants: TEXT ISO-8601 UTC as `storedInstant` writes
 *   them (`2026-10-06T16:00:00.000Z`);
 * - JSON: TEXT (`JsonText`), parsed by the repositories; rich optional fields of an entity
 *   live in its `data` column, what queries filter on has a column of its own;
 * - no booleans: a flag is a nullable instant (`released_at`, `completed_at`) or a status;
 * - every operational row carries `org_id`; entity primary keys are (org_id, id);
 * - a column with a database default is `Generated<…>` (optional on insert).
 */
import type { Generated } from 'kysely';

/** JSON text; the repository that owns the column parses it. */
export type JsonText = string;
/** `YYYY-MM-DD`, local to the property. */
export type DateText = string;
/** ISO-8601 UTC instant, `storedInstant` spelling. */
export type InstantText = string;

export interface OrganisationsTable {
  id: string;
  name: string;
  created_at: InstantText;
  /** Chain head: seq of the last audit entry (0 = empty); updated with every append. */
  audit_seq: Generated<number>;
  /** Chain head: hash of the last audit entry (64 zeros = empty). */
  audit_hash: Generated<string>;
}

export interface UsersTable {
  id: string;
  org_id: string;
  /** Unique per organisation; stored lower-case. */
  email: string;
  role: string;
  password_hash: string | null;
  created_at: InstantText;
  /** An owner user sees the properties of this owner id (0012). */
  owner_id: string | null;
  /** JSON array of property ids the user is limited to; null = all (0012). */
  property_ids: JsonText | null;
}

/** Zapier REST hook subscriptions (0011): a target URL per event and its audit cursor. */
export interface HookSubscriptionsTable {
  org_id: string;
  id: string;
  /** One of HOOK_EVENTS (app/publish-events.ts). */
  event: string;
  target_url: string;
  /** `user:<id>`. */
  created_by: string;
  created_at: InstantText;
  deleted_at: InstantText | null;
  /** The audit seq delivered up to. */
  last_seq: Generated<number>;
  claim_token: string | null;
  /** End of the delivery lease, or the Retry-After instant before which no one takes it. */
  claim_until: InstantText | null;
}

export interface ConnectorCursorsTable {
  org_id: string;
  connector: string;
  /** `source` or `sink`. */
  stream: string;
  cursor: string | null;
  last_run_at: InstantText | null;
  last_error: string | null;
  updated_at: InstantText;
}

export interface SessionsTable {
  token_sha256: string;
  org_id: string;
  user_id: string;
  csrf_token: string;
  created_at: InstantText;
  expires_at: InstantText;
  revoked_at: InstantText | null;
}

export interface SourcesTable {
  org_id: string;
  id: string;
  /** `import` or a connector id. */
  kind: string;
  last_sync_at: InstantText | null;
  data: JsonText | null;
  updated_at: InstantText;
}

export interface PropertiesTable {
  org_id: string;
  id: string;
  name: string;
  /** IANA zone. */
  timezone: string;
  /** e.g. `US-CA`. */
  jurisdiction: string;
  /** residential / commercial / storage */
  kind: string;
  owner_id: string | null;
  /** Local HH:MM. */
  run_at: Generated<string>;
  source_id: string | null;
  /** address, legalName, payTo, phone, email, unitCount, tags … */
  data: Generated<JsonText>;
  updated_at: InstantText;
}

export interface TenantsTable {
  org_id: string;
  id: string;
  name: string;
  email: string | null;
  /** E.164; indexed to match inbound SMS replies. */
  phone: string | null;
  language: Generated<string>;
  /** primary / alternate / lienholder / guarantor */
  role: Generated<string>;
  source_id: string | null;
  /** address, timezone, consent, military … */
  data: Generated<JsonText>;
  updated_at: InstantText;
}

export interface LeasesTable {
  org_id: string;
  id: string;
  property_id: string;
  unit: Generated<string>;
  space_type: string | null;
  rent_cents: number;
  status: string | null;
  source_id: string | null;
  /** tags, terms, autopay, startDate, endDate … */
  data: Generated<JsonText>;
  updated_at: InstantText;
}

/** The tenants of a lease, in the order the lease lists them. */
export interface LeaseTenantsTable {
  org_id: string;
  lease_id: string;
  tenant_id: string;
  position: number;
}

export interface LedgerEntriesTable {
  org_id: string;
  id: string;
  lease_id: string;
  date: DateText;
  /** charge / payment / credit / reversal / writeoff */
  type: string;
  category: string | null;
  /** Positive integer cents. */
  amount_cents: number;
  due_date: DateText | null;
  reverses: string | null;
  applies_to: string | null;
  source_id: string | null;
  /** memo and anything else. */
  data: Generated<JsonText>;
  created_at: InstantText;
}

/**
 * One row per lease with ledger entries, kept by triggers on `ledger_entries` (migration
 * 0021): the scan settles a paid-up lease from it instead of summing its entries.
 */
export interface LedgerTotalsTable {
  org_id: string;
  lease_id: string;
  /** Charges less every other entry, all dates. */
  balance_cents: number;
  /** Reversals and earmarked payments. */
  irregular: number;
  last_date: DateText;
  /** The latest charge due date (`9999-12-31` for one without); null without charges. */
  last_due: DateText | null;
}

/** Portfolio events (SPEC 3.1 `events`): replies, promises, holds, disputes … */
export interface EventsTable {
  org_id: string;
  id: string;
  type: string;
  date: DateText;
  at: InstantText | null;
  lease_id: string | null;
  tenant_id: string | null;
  property_id: string | null;
  /** The whole event as received. */
  payload: JsonText;
  /** import / cli / http / webhook:<connector> */
  source: string;
  created_at: InstantText;
}

export interface HoldsTable {
  org_id: string;
  id: string;
  type: string;
  /** charge / lease / tenant / property / organisation */
  scope: string;
  /** The id of the thing in `scope` (the charge id for a charge hold). */
  scope_id: string;
  /** Set whenever the hold concerns one lease, for the per-lease read. */
  lease_id: string | null;
  start_date: DateText;
  /** Last local date in force, inclusive. */
  until: DateText | null;
  /** Local date from which a released hold is no longer in force. */
  released_on: DateText | null;
  released_at: InstantText | null;
  /** What placed it: an event id, `user:<id>`, `system:<rule>`. */
  source: string;
  /** Promise amount, plan installments … */
  data: JsonText | null;
  created_at: InstantText;
}

export interface PoliciesTable {
  org_id: string;
  id: string;
  version: number;
  body: JsonText;
  author: string;
  created_at: InstantText;
}

/** Episodes (cases): one continuous period of delinquency of one lease. */
export interface CasesTable {
  org_id: string;
  lease_id: string;
  episode: number;
  opened: DateText;
  anchor: DateText;
  closed: DateText | null;
  outcome: string | null;
  policy_id: string | null;
  policy_version: number | null;
  /** Stages done, counters … whatever the evaluator carries between runs. */
  state: Generated<JsonText>;
  updated_at: InstantText;
}

/** Per-lease result of the last evaluation: the next-due index of incremental scans. */
export interface LeaseStateTable {
  org_id: string;
  lease_id: string;
  /** Hash of everything the evaluation read (ledger, events, holds, policy). */
  input_hash: string;
  /** When the lease must be evaluated again even if nothing changes. */
  next_due_at: InstantText | null;
  /** SPEC 5: ready / hold / review / disputed / … / current */
  readiness: string;
  readiness_reason: string | null;
  evaluated_at: InstantText;
  /** When its data last changed (0004); newer than `evaluated_at` = evaluate again. */
  changed_at: InstantText | null;
  /** First local date Arrears manages the lease; earlier history is silent (0004). */
  tracking_from: DateText | null;
  /** JSON LeaseSnapshot of the last scan (0004). */
  snapshot: JsonText | null;
  /** Balance the source system reported at the last import (0004). */
  reported_balance_cents: number | null;
}

export interface OutboxTable {
  org_id: string;
  /** SPEC R7 idempotency key (a delivery sub-key when an action has several). */
  key: string;
  lease_id: string;
  episode: number;
  stage: string;
  action: string;
  type: string;
  channel: string | null;
  method: string | null;
  contact_id: string | null;
  status: string;
  reason: string | null;
  /** Rendered content and action details; never a secret. */
  payload: Generated<JsonText>;
  policy_id: string | null;
  policy_version: number | null;
  amount_cents: number | null;
  /** 0, 1 or 2 (two-person rule). */
  approvals_required: Generated<number>;
  /** Current draft version (outbox_versions); approvals are for one version. */
  version: Generated<number>;
  due_at: InstantText;
  attempts: Generated<number>;
  claimed_by: string | null;
  claim_expires_at: InstantText | null;
  provider: string | null;
  provider_id: string | null;
  created_at: InstantText;
  updated_at: InstantText;
}

/** Draft edits of an outbox item. */
export interface OutboxVersionsTable {
  org_id: string;
  key: string;
  version: number;
  content: JsonText;
  diff: string | null;
  by: string;
  at: InstantText;
}

export interface ApprovalsTable {
  org_id: string;
  key: string;
  /** The draft version decided on. */
  version: number;
  user_id: string;
  /** approved / rejected */
  decision: string;
  reason: string | null;
  at: InstantText;
}

/** Every status change of an outbox item, numbered per key. */
export interface OutboxTransitionsTable {
  org_id: string;
  key: string;
  seq: number;
  from_status: string | null;
  to_status: string;
  at: InstantText;
  actor: string;
  reason: string | null;
}

export interface TasksTable {
  org_id: string;
  id: string;
  lease_id: string | null;
  episode: number | null;
  outbox_key: string | null;
  title: string;
  category: string | null;
  assignee: string | null;
  due_date: DateText | null;
  /** open / done / cancelled */
  status: Generated<string>;
  data: JsonText | null;
  created_at: InstantText;
  completed_at: InstantText | null;
}

/** Content-addressed document bytes (PDFs, certificates). */
export interface DocumentsTable {
  sha256: string;
  bytes: Buffer;
  content_type: string;
  byte_size: number;
  created_at: InstantText;
}

export interface ProofsOfServiceTable {
  org_id: string;
  id: string;
  outbox_key: string;
  lease_id: string;
  contact_id: string | null;
  /** certified_mail, first_class, email … */
  method: string;
  provider: string | null;
  provider_id: string | null;
  tracking_number: string | null;
  document_sha256: string | null;
  /** sent / delivered / returned / failed … */
  status: string;
  served_on: DateText | null;
  /** Certificate, delivery and return events … */
  data: JsonText | null;
  created_at: InstantText;
  updated_at: InstantText;
  /** Certified-mail receipt or certificate-of-mailing number (0006). */
  certificate_ref: Generated<string | null>;
  /** JSON array of the mailing's carrier events, in time order (0006). */
  events: Generated<JsonText>;
}

/** Inbound messages from tenants. */
export interface RepliesTable {
  org_id: string;
  id: string;
  lease_id: string | null;
  tenant_id: string | null;
  channel: string;
  from_address: string | null;
  body: string;
  received_at: InstantText;
  intent: string | null;
  classification: JsonText | null;
  provider: string | null;
  /** Unique per provider: a replayed webhook is a no-op. */
  provider_id: string | null;
  created_at: InstantText;
  /** The number or address the tenant wrote to (0009). */
  to_address: string | null;
  /** The open case the reply was threaded to, if any (0009). */
  episode: number | null;
  /** `matched` (a tenant was identified) / `unmatched` (exception list) (0009). */
  status: string | null;
  /** JSON array of every lease the reply reached (0009). */
  lease_ids: JsonText | null;
}

/** What a reply suggests, until staff confirm or dismiss it (0009). */
export interface SuggestionsTable {
  org_id: string;
  id: string;
  reply_id: string;
  lease_id: string;
  tenant_id: string | null;
  episode: number | null;
  /** promise / payment_plan / dispute / hardship / paid_claim / legal / hostile / wrong_number / callback */
  kind: string;
  /** The reply's R12 intent. */
  intent: string;
  channel: string;
  /** The reply's local date. */
  reply_date: DateText;
  /** JSON: amounts and dates only ({amountCents, until}). */
  proposal: JsonText;
  /** open / confirmed / dismissed */
  status: string;
  /** `user:<id>` */
  decided_by: string | null;
  decided_at: InstantText | null;
  /** JSON: the events and tasks it became, or the reason it was dismissed. */
  decision: JsonText | null;
  created_at: InstantText;
}

/** Reports e-mailed on a schedule (0010): a cron pattern in a time zone. */
export interface ReportSchedulesTable {
  org_id: string;
  id: string;
  /** owner, aging or weekly. */
  report: string;
  /** Owner report: only this owner (null: every owner). */
  owner_id: string | null;
  /** Comma-separated e-mail addresses. */
  recipients: string;
  /** Five- or six-field cron pattern, e.g. `0 8 * * 1` (Monday 08:00). */
  cron: Generated<string>;
  /** IANA zone the pattern is read in. */
  timezone: string;
  /** The scheduled instant last delivered (or skipped); null before the first. */
  last_run_at: InstantText | null;
  created_at: InstantText;
  created_by: string;
}

/** Attestations for the pre-sale / pre-filing gates (0009): one per outbox key and item. */
export interface GateAttestationsTable {
  org_id: string;
  outbox_key: string;
  /** address_verified, partial_payment_cleared, military_checked, manager_signoff. */
  item: string;
  user_id: string;
  at: InstantText;
  /** What it rests on (an SCRA report number, a written agreement …). */
  evidence: string;
}

export interface ScansTable {
  org_id: string;
  id: string;
  started_at: InstantText;
  finished_at: InstantText | null;
  as_of: InstantText;
  /** {evaluated, queued, skipped, cancelled} */
  counts: JsonText | null;
}

/** SPEC 7; written only by repos/audit-repo.ts. */
export interface AuditTable {
  org_id: string;
  seq: number;
  at: InstantText;
  actor: string;
  type: string;
  subject: string;
  /** Canonical JSON of the data, or of its tombstone after erasure. */
  data: JsonText;
  data_hash: string;
  prev_hash: string;
  hash: string;
}

/** Files already imported: re-importing the same bytes is a no-op. */
export interface ImportFilesTable {
  org_id: string;
  sha256: string;
  file_name: string;
  format: string;
  imported_at: InstantText;
  counts: JsonText | null;
}

export interface SettingsTable {
  org_id: string;
  key: string;
  value: JsonText;
  updated_at: InstantText;
}

/** API tokens (0003): only the sha256 of a token is stored, never the token. */
export interface ApiTokensTable {
  token_sha256: string;
  org_id: string;
  user_id: string;
  created_at: InstantText;
  revoked_at: InstantText | null;
}

/**
 * Provider event ids received per connector (0003): a replayed webhook is a no-op. Also the
 * inbox of events stored but not handled yet (0017).
 */
export interface WebhookEventsTable {
  org_id: string;
  connector: string;
  event_id: string;
  received_at: InstantText;
  /** When the current handling started (a stale claim is taken over); queued: received. */
  claimed_at: InstantText;
  /** Null until handled. */
  handled_at: InstantText | null;
  /** `queued`, `claimed`, `handled` or `failed`. */
  state: Generated<string>;
  /** The body as received, until handled (null for connectors that never defer). */
  body: Buffer | null;
  /** The request headers (JSON, no Authorization or Cookie), until handled. */
  headers: JsonText | null;
  /** The public URL the provider called, until handled. */
  url: string | null;
  /** Handlings started. */
  attempts: Generated<number>;
  /** A queued event is not taken before this (a retry's backoff). */
  available_at: InstantText | null;
  /** Why the last handling failed (the error message, never the body). */
  last_error: string | null;
}

export interface Schema {
  organisations: OrganisationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  hook_subscriptions: HookSubscriptionsTable;
  connector_cursors: ConnectorCursorsTable;
  sources: SourcesTable;
  properties: PropertiesTable;
  tenants: TenantsTable;
  leases: LeasesTable;
  lease_tenants: LeaseTenantsTable;
  ledger_entries: LedgerEntriesTable;
  events: EventsTable;
  holds: HoldsTable;
  policies: PoliciesTable;
  cases: CasesTable;
  lease_state: LeaseStateTable;
  ledger_totals: LedgerTotalsTable;
  outbox: OutboxTable;
  outbox_versions: OutboxVersionsTable;
  approvals: ApprovalsTable;
  outbox_transitions: OutboxTransitionsTable;
  tasks: TasksTable;
  documents: DocumentsTable;
  proofs_of_service: ProofsOfServiceTable;
  replies: RepliesTable;
  scans: ScansTable;
  audit: AuditTable;
  import_files: ImportFilesTable;
  settings: SettingsTable;
  api_tokens: ApiTokensTable;
  webhook_events: WebhookEventsTable;
  suggestions: SuggestionsTable;
  gate_attestations: GateAttestationsTable;
  report_schedules: ReportSchedulesTable;
}

export type TableName = keyof Schema;

/** Every table, in creation order (parents first). */
export const TABLES = [
  'organisations',
  'users',
  'sources',
  'properties',
  'tenants',
  'leases',
  'lease_tenants',
  'ledger_entries',
  'events',
  'holds',
  'policies',
  'cases',
  'lease_state',
  'ledger_totals',
  'outbox',
  'outbox_versions',
  'approvals',
  'outbox_transitions',
  'tasks',
  'documents',
  'proofs_of_service',
  'replies',
  'scans',
  'audit',
  'import_files',
  'settings',
  'api_tokens',
  'webhook_events',
  'suggestions',
  'gate_attestations',
  'report_schedules',
  'hook_subscriptions',
  'sessions',
  'connector_cursors',
] as const satisfies readonly TableName[];

// Compile-time check that TABLES lists every table of Schema.
type Unlisted = Exclude<TableName, (typeof TABLES)[number]>;
const everyTableListed: [Unlisted] extends [never] ? true : never = true;
void everyTableListed;
