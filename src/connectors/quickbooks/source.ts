/**
 * QuickBooks as a data source (reference §1 "Read operations", "CDC"). The cursor says
 * where the pull stands:
 *
 *   null                                   start a full pull
 *   {mode: full, entity, start, since}     the next query page: Customer pages first (the
 *                                          leases), then Invoice, then Payment, each
 *                                          `ORDERBY Id STARTPOSITION start MAXRESULTS n`
 *                                          until a page comes back short
 *   {mode: cdc, since}                     changes since `since` through
 *                                          `/cdc?entities=Customer,Invoice,Payment&changedSince=`
 *
 * `since` is the server's `time` when the full pull (or the previous CDC call) began, less
 * a minute, so nothing changed meanwhile is missed (a repeat is an upsert). CDC looks back
 * 30 days at most: an older cursor starts a full pull again. CDC answers at most 1,000
 * objects per entity without paging, so a window that fills it is pulled in full instead.
 * A CDC page also reads the customers whose invoices or payments changed, so every lease
 * it touches comes with QuickBooks' current balance for reconciliation.
 */
import { InputError } from '../../domain/errors.js';
import type { DataSourcePort, SourcePage } from '../../app/ports/sources.js';
import type { QuickBooksClient } from './client.js';
import {
  cdcRows,
  customerSchema,
  customersQuery,
  customerToPortfolio,
  ENTITIES,
  invoiceSchema,
  invoiceToEntry,
  pageQuery,
  paymentSchema,
  paymentToEntry,
  queryRows,
  serverTimeOf,
  type Entity,
  type QboCustomer,
} from './map.js';

export interface QuickBooksSourceOptions {
  client: QuickBooksClient;
  propertyId: string;
  feeItems: ReadonlySet<string>;
  maxResults: number;
  now: () => number;
}

type Cursor =
  { mode: 'full'; entity: Entity; start: number; since: string } | { mode: 'cdc'; since: string };

const DAY_MS = 86_400_000;
/** CDC's look-back, less a margin for the clocks' disagreement. */
const CDC_MAX_AGE_MS = 30 * DAY_MS - 60 * 60_000;
const OVERLAP_MS = 60_000;
const CDC_CAP = 1000;
const CUSTOMERS_PER_QUERY = 100;

export function decodeCursor(cursor: string | null): Cursor | null {
  if (cursor === null) return null;
  try {
    const c = JSON.parse(cursor) as Partial<Cursor> & Record<string, unknown>;
    if (typeof c.since !== 'string' || Number.isNaN(Date.parse(c.since))) return null;
    if (c.mode === 'cdc') return { mode: 'cdc', since: c.since };
    if (
      c.mode === 'full' &&
      ENTITIES.includes(c.entity as Entity) &&
      Number.isInteger(c.start) &&
      (c.start as number) >= 1
    )
      return { mode: 'full', entity: c.entity as Entity, start: c.start as number, since: c.since };
  } catch {
    // An unreadable cursor (another version's) means starting over.
  }
  return null;
}

const encode = (c: Cursor) => JSON.stringify(c);

export function createQuickBooksSource(o: QuickBooksSourceOptions): DataSourcePort {
  const today = () => new Date(o.now()).toISOString().slice(0, 10);
  const sinceOf = (body: unknown) =>
    new Date((serverTimeOf(body) ?? o.now()) - OVERLAP_MS).toISOString();

  function pageOf(rows: Record<Entity, unknown[]>): Omit<SourcePage, 'cursor' | 'more'> {
    const tenants: Record<string, unknown>[] = [];
    const leases: Record<string, unknown>[] = [];
    const ledger: Record<string, unknown>[] = [];
    const balances: { leaseId: string; balanceCents: number }[] = [];
    for (const raw of rows.Customer) {
      const mapped = customerToPortfolio(parsed('Customer', raw, customerSchema), o.propertyId);
      if (!mapped) continue;
      tenants.push(mapped.tenant);
      leases.push(mapped.lease);
      if (mapped.balance) balances.push(mapped.balance);
    }
    for (const raw of rows.Invoice) {
      const e = invoiceToEntry(parsed('Invoice', raw, invoiceSchema), o.feeItems, today());
      if (e) ledger.push(e);
    }
    for (const raw of rows.Payment) {
      const e = paymentToEntry(parsed('Payment', raw, paymentSchema), today());
      if (e) ledger.push(e);
    }
    return { tenants, leases, ledger, balances };
  }

  async function fullPage(c: Cursor & { mode: 'full' }, signal?: AbortSignal): Promise<SourcePage> {
    const body = await o.client.query(pageQuery(c.entity, c.start, o.maxResults), signal);
    const since = c.since === '' ? sinceOf(body) : c.since;
    const rows = queryRows(body, c.entity);
    const page = pageOf({ Customer: [], Invoice: [], Payment: [], [c.entity]: rows });
    if (rows.length >= o.maxResults)
      return { ...page, cursor: encode({ ...c, start: c.start + rows.length, since }), more: true };
    const next = ENTITIES[ENTITIES.indexOf(c.entity) + 1];
    return next === undefined
      ? { ...page, cursor: encode({ mode: 'cdc', since }), more: false }
      : { ...page, cursor: encode({ mode: 'full', entity: next, start: 1, since }), more: true };
  }

  async function cdcPage(c: Cursor & { mode: 'cdc' }, signal?: AbortSignal): Promise<SourcePage> {
    const body = await o.client.cdc(ENTITIES, c.since, signal);
    const rows = cdcRows(body);
    if (ENTITIES.some((e) => rows[e].length >= CDC_CAP))
      return fullPage({ mode: 'full', entity: 'Customer', start: 1, since: '' }, signal);
    const have = new Set(rows.Customer.map((x) => (x as QboCustomer | undefined)?.Id));
    const touched = new Set<string>();
    for (const x of [...rows.Invoice, ...rows.Payment]) {
      const id = (x as { CustomerRef?: { value?: unknown } } | undefined)?.CustomerRef?.value;
      if (typeof id === 'string' && !have.has(id)) touched.add(id);
    }
    const ids = [...touched].sort();
    for (let i = 0; i < ids.length; i += CUSTOMERS_PER_QUERY)
      rows.Customer.push(
        ...queryRows(
          await o.client.query(customersQuery(ids.slice(i, i + CUSTOMERS_PER_QUERY)), signal),
          'Customer',
        ),
      );
    return { ...pageOf(rows), cursor: encode({ mode: 'cdc', since: sinceOf(body) }), more: false };
  }

  return {
    pull(cursor, signal) {
      const c = decodeCursor(cursor);
      if (c === null || (c.mode === 'cdc' && o.now() - Date.parse(c.since) > CDC_MAX_AGE_MS))
        return fullPage({ mode: 'full', entity: 'Customer', start: 1, since: '' }, signal);
      return c.mode === 'full' ? fullPage(c, signal) : cdcPage(c, signal);
    },
  };
}

/** A row QuickBooks sent that is not shaped as documented: the sync stops, naming it. */
function parsed<T>(
  entity: Entity,
  raw: unknown,
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const id = (raw as { Id?: unknown } | undefined)?.Id;
  throw new InputError(
    r.error.issues.slice(0, 5).map((i) => ({
      file: 'quickbooks',
      path: `${entity} ${typeof id === 'string' ? id : '(no Id)'}${i.path.length ? `.${i.path.map(String).join('.')}` : ''}`,
      message: i.message,
    })),
  );
}
