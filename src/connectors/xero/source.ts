/**
 * Xero as a data source. A pass reads, page by page (`page=N`, 100 each), the customer
 * contacts, then the sales invoices, then the receivable payments — all of them on the
 * first pass, afterwards only what changed since the previous pass began
 * (`If-Modified-Since`; Xero's webhooks do not cover payments, so polling is the sync).
 * An invoice or payment page also re-reads the contacts it names (one call): the page then
 * carries their leases and Xero's current balances, which a payment changes without
 * touching the contact.
 */
import type { DataSourcePort, SourcePage } from '../../app/ports/sources.js';
import type { ConnectorLog } from '../context.js';
import type { XeroClient } from './client.js';
import {
  PAGE_SIZE,
  PHASES,
  balanceOf,
  formatCursor,
  hasMore,
  invoiceEntries,
  leaseOf,
  parseCursor,
  paymentEntries,
  tenantOf,
  xeroTimestamp,
  type Phase,
  type XeroContact,
  type XeroCursor,
  type XeroInvoice,
  type XeroPayment,
} from './map.js';

/** A pass's `since` starts this much before it did: clocks differ, re-reads are harmless. */
const OVERLAP_MS = 5 * 60_000;

export const FILTERS: Record<Phase, Record<string, string>> = {
  contacts: { where: 'IsCustomer==true' },
  invoices: { where: 'Type=="ACCREC"', Statuses: 'AUTHORISED,PAID,VOIDED' },
  payments: { where: 'PaymentType=="ACCRECPAYMENT"' },
};
const COLLECTION = { contacts: 'Contacts', invoices: 'Invoices', payments: 'Payments' } as const;

type Records = Required<Pick<SourcePage, 'tenants' | 'leases' | 'ledger' | 'balances'>>;

export function createXeroSource(o: {
  client: XeroClient;
  /** The Arrears property every contact's lease belongs to. */
  propertyId: string;
  now: () => number;
  log: ConnectorLog;
}): DataSourcePort {
  function contactRecords(contacts: XeroContact[], out: Records) {
    for (const c of contacts) {
      out.tenants.push(tenantOf(c));
      const lease = leaseOf(c, o.propertyId);
      out.leases.push(lease);
      const balance = balanceOf(c);
      if (balance !== undefined)
        out.balances.push({ leaseId: lease.id as string, balanceCents: balance });
    }
  }

  async function readPage(
    phase: Phase,
    page: number,
    since: string | null,
    signal?: AbortSignal,
  ): Promise<{ records: Records; more: boolean; count: number }> {
    const records: Records = { tenants: [], leases: [], ledger: [], balances: [] };
    const got = await o.client.page<XeroContact | XeroInvoice | XeroPayment>(
      COLLECTION[phase],
      page,
      FILTERS[phase],
      since,
      signal,
    );
    const more = hasMore(got.pagination, got.items.length, PAGE_SIZE);
    if (phase === 'contacts') {
      contactRecords(got.items as XeroContact[], records);
      return { records, more, count: got.items.length };
    }
    const named = new Set<string>();
    for (const item of got.items) {
      const entries =
        phase === 'invoices'
          ? invoiceEntries(item as XeroInvoice)
          : paymentEntries(item as XeroPayment);
      records.ledger.push(...entries);
      for (const e of entries) named.add(e.leaseId as string);
    }
    const contactIds = [...named].map((l) => l.slice('xero-lease-'.length));
    if (contactIds.length > 0)
      contactRecords((await o.client.contactsByIds(contactIds, signal)).items, records);
    return { records, more, count: got.items.length };
  }

  return {
    async pull(cursorText, signal) {
      const parsed = parseCursor(cursorText);
      if (cursorText !== null && parsed === null)
        o.log.warn({ connector: 'xero' }, 'unreadable Xero sync cursor: starting a full pull');
      const cursor: XeroCursor = parsed ?? { since: null };
      let pass = cursor.pass ?? {
        started: xeroTimestamp(o.now() - OVERLAP_MS),
        phase: 'contacts' as Phase,
        page: 1,
      };
      // Empty pages move straight on: a quiet incremental pass is one pull.
      for (;;) {
        const { records, more, count } = await readPage(
          pass.phase,
          pass.page,
          cursor.since,
          signal,
        );
        const nextPhase = PHASES[PHASES.indexOf(pass.phase) + 1];
        if (!more && nextPhase === undefined)
          return { ...records, cursor: formatCursor({ since: pass.started }), more: false };
        pass = more ? { ...pass, page: pass.page + 1 } : { ...pass, phase: nextPhase!, page: 1 };
        if (count > 0)
          return { ...records, cursor: formatCursor({ since: cursor.since, pass }), more: true };
      }
    },
  };
}
