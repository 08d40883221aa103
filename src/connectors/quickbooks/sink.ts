/**
 * What Arrears writes into QuickBooks (reference §1: there is no task or note object, only
 * `Customer.Notes`):
 *
 * - the case status, as one line of the customer's notes — `Arrears: open $1,500.00
 *   late-notice` — replaced on every case event (opened, action sent, closed) of a lease
 *   of ours (`qbo-lease-<customer id>`); the staff's own lines are kept. A sparse update
 *   (`Id`, `SyncToken`, `sparse: true`, `Notes`) after reading the customer; a stale
 *   SyncToken (5010) reads it again once. Writing the same line twice changes nothing, so
 *   a repeated event is harmless.
 * - a fee, for a policy `writeback` action `target: quickbooks` whose `fields.type` is
 *   `fee`: an invoice to the customer (`Line[0]` a SalesItemLineDetail of
 *   `fields.item` or FEE_ITEM_ID, `Amount` = `fields.amountCents` (else the item's amount)
 *   in dollars, `Description` = `fields.description` or "Late fee", `TxnDate` = `DueDate` =
 *   the action's date, `DocNumber` = `ARR-` + a hash of the outbox key, `PrivateNote` =
 *   `Arrears <key>`). The DocNumber is looked up first, so a retry after a lost answer
 *   finds the invoice instead of making a second one. The next sync brings the invoice
 *   back as a `fee` charge: use this instead of a `fee` action when QuickBooks keeps the
 *   ledger, or the fee is counted twice.
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import { ProviderHttpError, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  QuickBooksError,
  THROTTLE_WAIT_MS,
  TokenRefused,
  type QuickBooksClient,
} from './client.js';
import {
  customerIdOfLease,
  feeDocNumber,
  feeInvoiceBody,
  literal,
  notesLine,
  notesWith,
  queryRows,
  requestIdOf,
  type CaseStatus,
} from './map.js';

const STALE_OBJECT = '5010';

export function statusOf(e: CaseEvent): CaseStatus | null {
  const balanceCents = e.context?.balanceCents ?? 0;
  switch (e.event.event) {
    case 'case.opened':
      return { status: 'open', balanceCents, stage: null };
    case 'action.sent':
      return { status: 'open', balanceCents, stage: e.event.stage };
    case 'case.closed':
      return { status: 'closed', balanceCents, stage: e.event.outcome };
    default:
      return null;
  }
}

function failure(
  res: ProviderResponse,
  what: string,
  fault?: { code: string; message: string },
): SinkOutcome {
  const reason =
    `${what}: HTTP ${res.status}${fault ? ` ${fault.code} ${fault.message}` : ''}`.slice(0, 300);
  if (res.status === 429)
    return {
      ok: false,
      retryable: true,
      reason,
      retryAfterMs: res.retryAfterMs ?? THROTTLE_WAIT_MS,
    };
  if (res.status === 401 || res.status === 408 || res.status >= 500)
    return { ok: false, retryable: true, reason };
  return { ok: false, retryable: false, reason };
}

function thrown(error: unknown): SinkOutcome {
  if (error instanceof TokenRefused)
    return {
      ok: false,
      retryable: true,
      reason: `credentials refused: ${error.code} ${error.detail}`,
    };
  if (error instanceof QuickBooksError) return failure(error.response, 'query', error.fault);
  if (error instanceof ProviderHttpError)
    return { ok: false, retryable: true, reason: error.message };
  throw error;
}

export function createCaseSink(client: QuickBooksClient): CaseSinkPort {
  return {
    async apply(e, signal) {
      const customerId = e.event.leaseId === null ? undefined : customerIdOfLease(e.event.leaseId);
      const status = statusOf(e);
      if (customerId === undefined || status === null) return { ok: true };
      const line = notesLine(status);
      try {
        for (let attempt = 1; ; attempt++) {
          const read = await client.readCustomer(customerId, signal);
          const fault = client.faultOf(read);
          if (read.status !== 200 || fault)
            return failure(read, `read customer ${customerId}`, fault);
          const customer = (
            read.json as { Customer?: { Id?: string; SyncToken?: string; Notes?: string } }
          ).Customer;
          if (!customer?.SyncToken)
            return {
              ok: false,
              retryable: false,
              reason: `customer ${customerId}: no SyncToken in the answer`,
            };
          const notes = notesWith(customer.Notes, line);
          if (notes === customer.Notes) return { ok: true };
          const res = await client.updateCustomer(
            { Id: customerId, SyncToken: customer.SyncToken, Notes: notes },
            // A repeat of this very write (same SyncToken) is the one QuickBooks may dedupe.
            requestIdOf(`${e.event.id}:${customerId}:${customer.SyncToken}`),
            signal,
          );
          const f = client.faultOf(res);
          if (res.status === 200 && !f) return { ok: true };
          // Someone edited the customer between our read and write: read it again, once.
          if (f?.code === STALE_OBJECT && attempt === 1) continue;
          return failure(res, `update customer ${customerId}`, f);
        }
      } catch (error) {
        return thrown(error);
      }
    },
  };
}

const rejected = (code: string, reason: string): SendOutcome => ({ tag: 'rejected', code, reason });

export interface FeeWriteBackOptions {
  client: QuickBooksClient;
  itemId: string;
  now: () => number;
}

/** `writeback:quickbooks` for an item whose `fields.type` is `fee`: an invoice. */
export function createFeeWriteBack(o: FeeWriteBackOptions) {
  return async (item: OutboxItem, signal?: AbortSignal): Promise<SendOutcome> => {
    const fields = (item.payload.fields ?? {}) as Record<string, unknown>;
    if (fields.type !== 'fee')
      return rejected(
        'not_a_fee',
        'writeback:quickbooks writes fees only: give the action `fields: {type: fee, amountCents: …}`',
      );
    const customerId = customerIdOfLease(item.leaseId);
    if (customerId === undefined)
      return rejected(
        'not_a_quickbooks_lease',
        `lease ${item.leaseId} did not come from QuickBooks`,
      );
    const amountCents =
      typeof fields.amountCents === 'string' && /^\d+$/.test(fields.amountCents)
        ? Number(fields.amountCents)
        : (item.amountCents ?? undefined);
    if (amountCents === undefined || amountCents <= 0)
      return rejected('no_amount', 'the fee needs `fields.amountCents` (whole cents, more than 0)');
    const date =
      typeof item.payload.date === 'string'
        ? item.payload.date
        : new Date(o.now()).toISOString().slice(0, 10);
    const docNumber = feeDocNumber(item.key);
    try {
      const found = queryRows(
        await o.client.query(
          `select * from Invoice where DocNumber = ${literal(docNumber)}`,
          signal,
        ),
        'Invoice',
      )[0] as { Id?: string } | undefined;
      if (found?.Id) return { tag: 'accepted', externalId: found.Id };
      const res = await o.client.createInvoice(
        feeInvoiceBody({
          customerId,
          amountCents,
          description: typeof fields.description === 'string' ? fields.description : 'Late fee',
          itemId: typeof fields.item === 'string' ? fields.item : o.itemId,
          txnDate: date,
          dueDate: date,
          docNumber,
          key: item.key,
        }),
        requestIdOf(item.key),
        signal,
      );
      const fault = o.client.faultOf(res);
      if (res.status === 200 && fault) return rejected(fault.code, fault.message);
      return outcomeOf(res, o.client, o.now());
    } catch (error) {
      if (error instanceof TokenRefused)
        return { tag: 'retryable', reason: `credentials refused: ${error.code} ${error.detail}` };
      if (error instanceof QuickBooksError) return outcomeOf(error.response, o.client, o.now());
      return outcomeOfError(error, true);
    }
  };
}

function outcomeOf(res: ProviderResponse, client: QuickBooksClient, now: number): SendOutcome {
  const f = client.faultOf(res);
  // Intuit's rule for a 429 is "wait 60 s"; it sends no Retry-After.
  if (res.status === 429 && res.retryAfterMs === null)
    return {
      tag: 'retry_after',
      at: new Date(now + THROTTLE_WAIT_MS).toISOString(),
      reason: f ? `${f.code} ${f.message}` : 'HTTP 429',
    };
  return outcomeOfResponse(res, {
    // The DocNumber look-up makes a repeat safe.
    idempotent: true,
    now,
    externalId: (r) => (r.json as { Invoice?: { Id?: string } } | undefined)?.Invoice?.Id,
    errorOf: () => (f ? { code: f.code, message: f.message } : undefined),
  });
}
