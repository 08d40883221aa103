/**
 * A carrier event for a mailed notice (delivered, returned, refused, unclaimed), found by
 * its tracking number (SPEC 6, R10):
 *
 * 1. the event is appended to the proof of service, and the outbox delivery moves to
 *    `delivered` or `failed` (reason: the return), in one transaction with their audit
 *    entries;
 * 2. it is recorded as a portfolio `delivery` event (status `returned` for every kind of
 *    return) with the delivery's key, through the events pipeline (record-events.ts). The
 *    evaluator reads that event: when the notice's stage is `required` (statutory) it emits
 *    `service_failed`, places the `service_failed` hold on the next required stage and plans
 *    a re-serve task (`{lease}:{episode}:$service:reserve:{n}`);
 * 3. the lease is evaluated at once and that re-serve task is queued in the outbox under
 *    the evaluator's own key, so staff see it now, and the next scan, planning the same key,
 *    adds nothing.
 *
 * Every step is idempotent: the same carrier event reported twice changes nothing more.
 *
 * The documents store port is declared here too (storage/repos/documents-repo.ts
 * implements it; the document sender in outbox/ uses its other half).
 */
import {
  isReturn,
  proofEventId,
  type MailEventType,
  type ProofEvent,
  type ProofOfService,
} from '../domain/documents/proof.js';
import { AppError, InputError } from '../domain/errors.js';
import { evaluateLease } from '../domain/evaluator/lease-run.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import type { PortfolioEvent } from '../domain/portfolio/schema.js';
import { epochToLocal } from '../domain/time.js';
import { planItems, storedPastDue } from './plan-items.js';
import type { Clock } from './ports/clock.js';
import type { OutboxStatus, OutboxStore } from './ports/outbox.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { PlannedItemsWriter, ScanStateStore } from './ports/scan.js';
import { recordEvents } from './record-events.js';
import type { DocumentStore } from './ports/documents.js';

// ---------------------------------------------------------------------------------------
// The use case

export interface MailEvent {
  trackingNumber: string;
  type: MailEventType;
  /** When the carrier saw it (ISO-8601 UTC). */
  at: string;
  /** The provider's event id, when it has one (deduplication). */
  eventId?: string;
  /** Which provider reports it, when a tracking number could belong to several. */
  provider?: string;
  /** The carrier's status text. */
  detail?: string;
}

export interface MailEventDeps<Tx> {
  clock: Clock;
  documents: Pick<DocumentStore<Tx>, 'findByTracking' | 'appendEvent'>;
  outbox: Pick<OutboxStore<Tx>, 'transaction' | 'lock' | 'transition'>;
  portfolio: PortfolioStore;
  policies: PolicyStore;
  state: ScanStateStore;
  planned: Pick<PlannedItemsWriter, 'insertPlanned'>;
}

export interface MailEventResult {
  proofId: string;
  leaseId: string;
  outboxKey: string;
  /** False when this event was already on the proof. */
  appended: boolean;
  proofStatus: ProofOfService['status'];
  /** The delivery's outbox status afterwards. */
  outboxStatus: OutboxStatus | null;
  /** The evaluator found the notice statutory and service failed (R10 hold in force). */
  serviceFailed: boolean;
  /** Re-serve tasks queued now (keys); empty when already queued or not statutory. */
  reserveTasks: string[];
}

/** The outbox move a carrier event makes, from the statuses the table allows it. */
function outboxMove(status: OutboxStatus, type: MailEventType): OutboxStatus | undefined {
  if (status !== 'sent' && status !== 'unknown') return undefined;
  return type === 'delivered' ? 'delivered' : 'failed';
}

export async function recordMailEvent<Tx>(
  deps: MailEventDeps<Tx>,
  orgId: string,
  event: MailEvent,
  actor?: string,
): Promise<MailEventResult> {
  const at = Date.parse(event.at);
  if (event.trackingNumber.trim() === '' || Number.isNaN(at))
    throw new InputError([
      {
        path: Number.isNaN(at) ? 'at' : 'trackingNumber',
        message: Number.isNaN(at)
          ? `\`${event.at}\` is not an instant; use ISO-8601 UTC such as 2026-10-20T18:00:00Z`
          : 'a tracking number is needed',
      },
    ]);
  const found = (await deps.documents.findByTracking(orgId, event.trackingNumber)).filter(
    (p) => event.provider === undefined || p.provider === event.provider,
  );
  if (found.length === 0)
    throw new AppError('not_found', `no mailed notice has tracking number ${event.trackingNumber}`);
  if (found.length > 1)
    throw new AppError(
      'conflict',
      `tracking number ${event.trackingNumber} belongs to ${found.length} mailings; name the provider`,
    );
  const proof = found[0]!;
  const who = actor ?? `provider:${event.provider ?? proof.provider ?? 'mail'}`;

  const slice = await deps.portfolio.loadPortfolio(orgId, [proof.leaseId]);
  const lease = slice.leases[0];
  if (!lease) throw new AppError('not_found', `lease ${proof.leaseId} no longer exists`);
  const tz = slice.properties.find((p) => p.id === lease.propertyId)?.timezone ?? 'UTC';
  const date = epochToLocal(at, tz).date;
  const iso = new Date(at).toISOString();
  const proofEvent: ProofEvent = {
    id: event.eventId ?? proofEventId(event.type, iso),
    type: event.type,
    at: iso,
    date,
    source: who,
    ...(event.detail ? { detail: event.detail } : {}),
  };

  // 1. The proof and the outbox delivery, together.
  const step1 = await deps.outbox.transaction(async (tx) => {
    // The outbox row first: the order every outbox writer locks in (row, then audit head).
    const item = await deps.outbox.lock(tx, orgId, proof.outboxKey);
    let outboxStatus: OutboxStatus | null = item?.status ?? null;
    const to = item ? outboxMove(item.status, event.type) : undefined;
    if (item && to)
      outboxStatus = (
        await deps.outbox.transition(tx, orgId, item.key, to, {
          // Only a provider event moves a sent item (the transition table); a person who
          // reports the carrier's answer by hand is named in the audit data.
          actor: who.startsWith('provider:') ? who : `provider:${proof.provider ?? 'mail'}`,
          reason: to === 'failed' ? event.type : null,
          at: iso,
          audit: { trackingNumber: event.trackingNumber, proofId: proof.id, reportedBy: who },
        })
      ).status;
    const appended = await deps.documents.appendEvent(tx, orgId, proof.id, proofEvent, who);
    return { outboxStatus, appended: appended.appended, proofStatus: appended.proof.status };
  });

  // 2. The portfolio event the evaluator reads (deduplicated by content).
  const delivery: PortfolioEvent = {
    type: 'delivery',
    id: `mail:${proofEvent.id}:${proof.id}`,
    leaseId: proof.leaseId,
    date,
    at: iso,
    status: isReturn(event.type) ? 'returned' : 'delivered',
    key: proof.outboxKey,
    ...(proof.contactId !== null ? { contactId: proof.contactId } : {}),
    ...(event.type === 'refused' || event.type === 'unclaimed' ? { note: event.type } : {}),
  };
  await recordEvents(
    { clock: deps.clock, portfolio: deps.portfolio },
    orgId,
    [delivery],
    `mail:${proof.provider ?? 'mail'}`,
    who,
  );

  // 3. What the evaluator makes of it now.
  let serviceFailed = false;
  let reserveTasks: string[] = [];
  if (isReturn(event.type)) {
    const r = await reserve(deps, orgId, proof, date, who);
    serviceFailed = r.serviceFailed;
    reserveTasks = r.queued;
  }
  return {
    proofId: proof.id,
    leaseId: proof.leaseId,
    outboxKey: proof.outboxKey,
    appended: step1.appended,
    proofStatus: step1.proofStatus,
    outboxStatus: step1.outboxStatus,
    serviceFailed,
    reserveTasks,
  };
}

/**
 * Evaluates the lease through today and queues the re-serve tasks the evaluator planned
 * for returned statutory notices (R10). Nothing else is queued here: the next scan does
 * the rest, as for any changed lease.
 */
async function reserve<Tx>(
  deps: MailEventDeps<Tx>,
  orgId: string,
  proof: ProofOfService,
  eventDate: string,
  actor: string,
): Promise<{ serviceFailed: boolean; queued: string[] }> {
  const policies = (await deps.policies.current(orgId)).map((s) => s.policy);
  const input = leaseInputs(await deps.portfolio.loadPortfolio(orgId, [proof.leaseId]), policies)
    .inputs[0];
  if (!input) return { serviceFailed: false, queued: [] };
  const nowMs = deps.clock.now();
  const today = epochToLocal(nowMs, input.property.timezone).date;
  const to = today > eventDate ? today : eventDate;
  const tracking = await deps.state.trackingFrom(orgId, proof.leaseId);
  const from = tracking !== null && tracking <= eventDate ? tracking : eventDate;
  const timeline = evaluateLease(input, { from, to });
  const serviceFailed = timeline.events.some(
    (e) => e.type === 'service_failed' && e.key === proof.outboxKey,
  );
  const reserveActions = timeline.actions.filter(
    (a) => a.stage === '$service' && a.type === 'task' && a.status === 'due',
  );
  if (reserveActions.length === 0) return { serviceFailed, queued: [] };
  // Queued whatever their run time today: a person should see the task as soon as possible.
  const plan = planItems(
    { actions: reserveActions, episodes: [], events: [] },
    Number.MAX_SAFE_INTEGER,
    to,
    (d) => storedPastDue(input, d),
  );
  const queued = await deps.planned.insertPlanned(
    orgId,
    plan.items,
    actor,
    new Date(nowMs).toISOString(),
  );
  return { serviceFailed, queued };
}
