/**
 * The outbox ports: what the use cases (scan, approve, reject, edit, dispatch) need from
 * storage, from the dispatch-time re-check and from the providers.
 *
 * `Tx` is the storage's transaction type, opaque to use cases: they open one with
 * `transaction()` and hand it back to the store, so that a state change, its history row and
 * its audit entry commit together (ARCHITECTURE: "the audit entry is written in the same
 * transaction"). storage/repos/outbox-repo.ts implements `OutboxStore<DbTransaction>`.
 */
import type { AuditInput } from '../../domain/audit/chain.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import type { JsonObject, OutboxStatus, SendOutcome } from '../../domain/outbox/index.js';

// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
export type { JsonObject, OutboxStatus, SendOutcome } from '../../domain/outbox/index.js';

/** One row to queue: one per delivery (R7: the delivery sub-key when there are several). */
export interface NewOutboxItem {
  /** R7 key, `{lease}:{episode}:{stage}:{action}[:{charge}|:{n}][/{contact}/{method}]`. */
  key: string;
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  /** Action type of SPEC 3.4: message, document, fee, task, access … */
  type: string;
  /** Message channel (sms, email …), else null. */
  channel: string | null;
  /** Delivery method of a document (certified_mail …) or the channel of a message delivery. */
  method: string | null;
  contactId: string | null;
  /** When it may be dispatched (ISO UTC). */
  dueAt: string;
  /** Action details and rendered content, JSON; never a secret. */
  payload: JsonObject;
  policyId: string | null;
  policyVersion: number | null;
  amountCents: number | null;
  /** 0 (goes straight to `approved`), 1, or 2 (two different users). */
  approvalsRequired: 0 | 1 | 2;
  /** Past-due amount when the draft was made (kept in the payload; the re-check compares it). */
  pastDueCents: number | null;
}

export interface OutboxItem {
  orgId: string;
  key: string;
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  type: string;
  channel: string | null;
  method: string | null;
  contactId: string | null;
  status: OutboxStatus;
  reason: string | null;
  /** Current content (the latest draft version). */
  payload: JsonObject;
  /** `payload.pastDueCents` when it is a number. */
  pastDueCents: number | null;
  policyId: string | null;
  policyVersion: number | null;
  amountCents: number | null;
  approvalsRequired: number;
  /** Current draft version; approvals are for one version. */
  version: number;
  dueAt: string;
  /** Claims so far that may have reached a provider. */
  attempts: number;
  claimedBy: string | null;
  claimExpiresAt: string | null;
  provider: string | null;
  providerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TransitionOptions {
  /** `user:<id>`, `worker:<id>`, `system:<what>`, `provider:<id>`; picks the table's `who`. */
  actor: string;
  reason?: string | null;
  provider?: string | null;
  providerId?: string | null;
  /** When it happened (default: the store's clock). */
  at?: string;
  /** Move `due_at` (retries, holds). */
  dueAt?: string;
  /** Only if this worker still holds the claim (dispatch outcomes). */
  claimedBy?: string;
  /** Undo the claim's attempt count when nothing reached a provider (holds, releases). */
  uncountAttempt?: boolean;
  /** Raise `approvals_required` to at least this (a draft sent back to review). */
  minApprovals?: number;
  /** Extra audit data (no secrets, no message bodies). */
  audit?: JsonObject;
}

/** One change of `transitionLocked`: an item the caller holds locked, and where it goes. */
export interface LockedTransition {
  /** The item as the caller read it under its lock (`lock`, `lockMany`). */
  item: OutboxItem;
  to: OutboxStatus;
  options: TransitionOptions;
}

/** An applied `transitionLocked` change: the item now, and the audit entry still to append. */
export interface LockedTransitionResult {
  item: OutboxItem;
  audit: AuditInput;
}

export interface OutboxQuery {
  status?: OutboxStatus | OutboxStatus[];
  leaseId?: string;
  /** Page size (default 100, at most 1000). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface OutboxPage {
  items: OutboxItem[];
  /** Present when there are more items. */
  nextCursor?: string;
}

export interface QueueFilter {
  stage?: string;
  propertyId?: string;
  /** Only drafts of leases of these properties (a caller limited to some properties). */
  propertyIds?: readonly string[];
  keys?: string[];
  /** At most this many, oldest due first, after `after` (keyset pagination). */
  limit?: number;
  after?: { dueAt: string; key: string };
}

export interface QueueApproval {
  userId: string;
  email: string | null;
  at: string;
}

/** A draft awaiting approval, with what it needs. */
export interface QueueEntry {
  item: OutboxItem;
  propertyId: string | null;
  /** Approvals of the current version. */
  approvals: QueueApproval[];
  /** Approvals it needs in all (1 or 2). */
  required: number;
  /** Approvals still missing. */
  needs: number;
}

export interface ApprovalRecord {
  key: string;
  version: number;
  userId: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  at: string;
}

export interface NewVersion {
  content: JsonObject;
  /** Stored with the version (full values). */
  diff: unknown;
  by: string;
  at: string;
}

export interface NewTask {
  /** The outbox key: one task per item, so a repeated dispatch creates it once. */
  id: string;
  leaseId: string;
  episode: number;
  outboxKey: string;
  title: string;
  category: string | null;
  assignee: string | null;
  dueDate: string | null;
  data: JsonObject;
  at: string;
}

export interface ClaimOptions {
  /**
   * Whether the item's provider accepts an idempotency key. Decides what happens to an
   * item whose claim expired after its send started: re-dispatched (the provider dedupes)
   * or `unknown` (never re-sent blindly). Default: not idempotent.
   */
  idempotent?: (item: OutboxItem) => boolean;
  /** Reclaiming an expired item that already had this many attempts makes it `unknown`. */
  maxAttempts?: number;
  /**
   * Claim `approved` items due by this instant (default `now`). A dispatch pass passes its
   * start, so an item it retried is not claimed again in the same pass.
   */
  dueBy?: string;
}

export interface ClaimResult {
  /** Now `dispatching`, claimed by the caller until `claimExpiresAt`. */
  claimed: OutboxItem[];
  /** Expired claims put back to dispatch (and, when due, claimed again above). */
  reclaimed: string[];
  /** Expired claims that became `unknown` (non-idempotent, send started). */
  lost: string[];
}

export interface OutboxStore<Tx> {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;

  /**
   * Queues new items; a key already present is left alone (what makes repeated and
   * concurrent scans harmless). Each inserted row starts `draft` (approvals needed) or
   * `approved`, with its first transition, its version 1 and an `outbox.planned` audit entry.
   * Returns the keys actually inserted.
   */
  insertItems(tx: Tx, orgId: string, items: NewOutboxItem[], actor: string): Promise<string[]>;

  /**
   * Moves an item to `to` if the transition table allows it for the actor, recording the
   * transition and an audit entry. Throws `OutboxTransitionError` for a forbidden transition
   * and `OutboxConflictError` when another writer changed the item first (or the claim is
   * no longer the caller's).
   */
  transition(
    tx: Tx,
    orgId: string,
    key: string,
    to: OutboxStatus,
    options: TransitionOptions,
  ): Promise<OutboxItem>;

  /**
   * `transition` for several distinct items of one organisation that the caller holds
   * locked, written together (one guarded update per kind of change, one history insert):
   * what a batch of use cases applied in one transaction needs. Each change is checked and
   * recorded as `transition` would, at `options.at`, and throws as it would. The audit entries
   * are returned in the order of `changes`, not written: the caller appends them in `tx`, in
   * the order its own entries need (one after the other, as if each use case ran alone).
   */
  transitionLocked(
    tx: Tx,
    orgId: string,
    changes: readonly LockedTransition[],
  ): Promise<LockedTransitionResult[]>;

  get(orgId: string, key: string, tx?: Tx): Promise<OutboxItem | undefined>;
  /** Reads the item and locks it for the rest of `tx` (PostgreSQL `FOR UPDATE`). */
  lock(tx: Tx, orgId: string, key: string): Promise<OutboxItem | undefined>;
  /**
   * `lock` for many items of one organisation in one read, locked in key order (two callers
   * locking overlapping sets cannot deadlock). By key; a key with no item is left out.
   */
  lockMany(tx: Tx, orgId: string, keys: readonly string[]): Promise<Map<string, OutboxItem>>;
  /** Items by creation time then key, a page at a time. */
  list(orgId: string, query?: OutboxQuery): Promise<OutboxPage>;
  /** Drafts awaiting approval, oldest due first, with who approved and what each needs. */
  queue(orgId: string, filter?: QueueFilter): Promise<QueueEntry[]>;

  /** Decisions on one version of an item. */
  decisions(tx: Tx, orgId: string, key: string, version: number): Promise<ApprovalRecord[]>;
  /** Records an approval or rejection (and its audit entry). */
  recordDecision(tx: Tx, orgId: string, decision: ApprovalRecord, audit: JsonObject): Promise<void>;
  /** Adds a draft version, makes it current (payload and version) and audits the edit. */
  addVersion(
    tx: Tx,
    orgId: string,
    key: string,
    version: NewVersion,
    audit: JsonObject,
  ): Promise<number>;

  /**
   * Claims due work for `workerId`: `approved` items due by `now`, and `dispatching` items
   * whose claim expired (a crashed worker). On PostgreSQL `FOR UPDATE SKIP LOCKED`, so
   * concurrent claimers get disjoint items.
   */
  claimDue(
    orgId: string | null,
    workerId: string,
    now: string,
    limit: number,
    leaseMs: number,
    options?: ClaimOptions,
  ): Promise<ClaimResult>;
  /**
   * Marks the start of a send (records the provider, extends the claim) if `workerId` still
   * holds the claim; false when it no longer does (then do not send). Committed before the
   * provider is called, so a crash afterwards is known to have maybe reached the provider.
   */
  beginSend(
    orgId: string,
    key: string,
    workerId: string,
    provider: string,
    now: string,
    leaseMs: number,
  ): Promise<boolean>;
  /** Puts this worker's claimed items whose send never started back to `approved`. */
  releaseClaims(workerId: string, keys?: { orgId: string; key: string }[]): Promise<string[]>;
  /** Creates the task of a `task` item (once per key); true when created now. */
  createTask(tx: Tx, orgId: string, task: NewTask): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------
// Dispatch-time re-check (SPEC 1.3): someone reads balance, holds, consent and approvals
// again right before an item goes.

export type SkipReason = 'no_consent' | 'opted_out' | 'no_contact' | 'bad_contact' | (string & {});

export type RecheckResult =
  /**
   * Go ahead; `pastDueCents` (when known) is compared with the draft's. `content` is the
   * message re-rendered for that amount, should the item go back to review.
   */
  | { ok: true; pastDueCents: number | null; content?: JsonObject }
  /** The case was paid or closed: cancel, send nothing. */
  | { cancel: 'paid' | 'closed' }
  /**
   * Not now: a hold covers the lease, the recipient is outside the send window (R3) or the
   * contact's frequency cap is reached (R11). Keep it approved; try again not before `until`.
   */
  | { wait: 'hold' | 'send_window' | 'frequency_cap'; until?: string }
  /** Consent or the contact point is gone: skip it with that reason. */
  | { skip: SkipReason }
  /**
   * Back to review; `pastDueCents` is the new amount the next approval will be for, and
   * `content` the message re-rendered for it (absent when a person edited the text).
   */
  | { review: 'balance_changed'; pastDueCents?: number | null; content?: JsonObject };

export type Recheck = (item: OutboxItem) => Promise<RecheckResult>;

/** Attempts already made to reach a contact point, for frequency caps at dispatch. */
export interface ContactAttempts {
  /**
   * Instants (epoch ms, ascending) at which items to `contactId` on `channel` were handed to
   * a provider since `since` (ISO), other than the item `exceptKey` itself.
   */
  attemptsSince(
    orgId: string,
    contactId: string,
    channel: string,
    since: string,
    exceptKey: string,
  ): Promise<number[]>;
}

// ---------------------------------------------------------------------------------------
// Providers: one Sender per channel / delivery method. The dispatcher branches only on the
// outcome tag (ARCHITECTURE "Outcomes drive retries").

export interface SendContext {
  /** The outbox key: what an idempotent provider is given as its idempotency key. */
  idempotencyKey: string;
  /** Aborted when the worker must stop mid-send (the outcome then is whatever came back). */
  signal?: AbortSignal;
}

export interface Sender {
  /** Provider id recorded on the item (`sandbox`, `twilio`, …). */
  readonly id: string;
  /**
   * True when the provider deduplicates on the idempotency key: a crashed send may then be
   * repeated safely. False (SMTP, print-and-mail): a send whose answer was lost is
   * `unknown`, never repeated blindly.
   */
  readonly idempotent: boolean;
  /** Never throws for provider answers; a thrown error is treated as a lost answer. */
  send(item: OutboxItem, ctx: SendContext): Promise<SendOutcome>;
}

export interface SenderRegistry {
  /** The sender for an item (by type and channel/method), or undefined when none is configured. */
  senderFor(item: OutboxItem): Sender | undefined;
}
