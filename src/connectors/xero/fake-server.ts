/**
 * A local Xero for tests and the demo, built from reference §2: the token endpoint
 * (refresh grant with HTTP Basic client credentials, single-use rotating refresh tokens,
 * 30-minute access tokens on the fake's clock), the Accounting API under `/api.xro/2.0`
 * with Bearer + `xero-tenant-id` checks, Contacts / Invoices / Payments with `where`,
 * `Statuses`, `IDs`, `page`/`pageSize` + `pagination`, `If-Modified-Since`, MS-JSON dates,
 * contact and invoice History notes (ValidationException when Details is missing,
 * Idempotency-Key replay), 429 with Retry-After + X-Rate-Limit-Problem, and signed
 * webhooks including the intent-to-receive check.
 */
import { randomUUID } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import type { XeroContact, XeroInvoice, XeroPayment } from './map.js';
import { signXero } from './webhooks.js';

export interface XeroFakeOptions {
  clientId: string;
  clientSecret: string;
  /** The refresh token the app was connected with. */
  refreshToken: string;
  tenantId: string;
  webhookKey?: string;
  now?: () => number;
}

export interface HistoryNote {
  kind: 'Contacts' | 'Invoices';
  id: string;
  details: string;
  idempotencyKey: string | undefined;
}

export interface XeroFake extends FakeServer {
  /** `${url}/api.xro/2.0`: the connector's base URL. */
  apiUrl: string;
  /** `${url}/connect/token`. */
  tokenUrl: string;
  contacts: Map<string, XeroContact>;
  invoices: Map<string, XeroInvoice>;
  payments: Map<string, XeroPayment>;
  history: HistoryNote[];
  /** The refresh token that works now (each refresh spends it and issues the next). */
  refreshToken: string;
  /** Refresh grants answered. */
  refreshes: number;
  /** Every access token issued so far stops working (as if 30 minutes had passed). */
  expireAccessTokens(): void;
  addContact(over?: Partial<XeroContact>): XeroContact;
  addInvoice(contactId: string, over?: Partial<XeroInvoice>): XeroInvoice;
  /** Pays (part of) an invoice: a payment, and the invoice and contact balances move. */
  pay(invoiceId: string, amount: number, date?: string): XeroPayment;
  /** Marks a record changed now (UpdatedDateUTC). */
  touch(record: { UpdatedDateUTC?: string }): void;
  /** Xero's 429: Retry-After and the limit hit. */
  rateLimitNext(times: number, problem?: string, retryAfterS?: number): void;
  signed(body: unknown, key?: string): { raw: string; headers: Record<string, string> };
  /** Posts events to `url`, signed. */
  notify(url: string, events: Record<string, unknown>[]): Promise<{ status: number; text: string }>;
  /**
   * Xero's intent-to-receive check: a correctly and an incorrectly signed delivery with no
   * events; passes when they are answered 200 and 401.
   */
  intentToReceive(url: string): Promise<{ ok: boolean; statuses: [number, number] }>;
}

/** The Accounting API's paths (faults aimed at it spare the token endpoint). */
export const API = /^\/api\.xro\/2\.0\//;

export const msDate = (ms: number) => `/Date(${ms}+0000)/`;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const problem = (status: number, title: string, detail: string) => ({
  Type: null,
  Title: title,
  Status: status,
  Detail: detail,
  Instance: randomUUID(),
  Extensions: {},
});
export const validationError = (message: string, element: Record<string, unknown> = {}) => ({
  ErrorNumber: 10,
  Type: 'ValidationException',
  Message: 'A validation exception occurred',
  Elements: [{ ...element, ValidationErrors: [{ Message: message }] }],
});

/** Parses the few `where` clauses the connector sends: `A=="x" AND B==true AND C>0`. */
function matcher(where: string | null): ((r: Record<string, unknown>) => boolean) | null {
  if (!where) return () => true;
  const tests: ((r: Record<string, unknown>) => boolean)[] = [];
  for (const clause of where.split(/\s+AND\s+/i)) {
    const eq = /^\s*(\w+)\s*==\s*(?:"([^"]*)"|(true|false))\s*$/.exec(clause);
    const gt = /^\s*(\w+)\s*>\s*(-?[\d.]+)\s*$/.exec(clause);
    if (eq) {
      const [, field, text, bool] = eq;
      tests.push((r) =>
        bool !== undefined
          ? r[field!] === (bool === 'true')
          : String(r[field!] ?? '').toLowerCase() === text!.toLowerCase(),
      );
    } else if (gt) tests.push((r) => Number(r[gt[1]!]) > Number(gt[2]));
    else return null;
  }
  return (r) => tests.every((t) => t(r));
}

export async function startXeroFake(o: XeroFakeOptions): Promise<XeroFake> {
  const now = o.now ?? Date.now;
  const contacts = new Map<string, XeroContact>();
  const invoices = new Map<string, XeroInvoice>();
  const payments = new Map<string, XeroPayment>();
  const history: HistoryNote[] = [];
  const access = new Map<string, number>(); // token → expires at (ms)
  const replay = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  let issued = 0;
  // eslint-disable-next-line prefer-const -- handlers read it once assigned
  let fake: XeroFake;

  function outstanding(contactId: string) {
    let due = 0;
    for (const i of invoices.values())
      if (i.Contact.ContactID === contactId && i.Type === 'ACCREC' && i.Status === 'AUTHORISED')
        due += i.AmountDue;
    return Math.round(due * 100) / 100;
  }
  const withBalances = (c: XeroContact): XeroContact => ({
    ...c,
    Balances: { AccountsReceivable: { Outstanding: outstanding(c.ContactID), Overdue: 0 } },
  });

  function token(req: FakeRequest, reply: FakeReply) {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    if (id !== o.clientId || secret !== o.clientSecret)
      return reply.json(400, { error: 'invalid_client' });
    if (req.form.grant_type !== 'refresh_token')
      return reply.json(400, { error: 'unsupported_grant_type' });
    if (!req.form.refresh_token || req.form.refresh_token !== fake.refreshToken)
      return reply.json(400, { error: 'invalid_grant' });
    issued++;
    fake.refreshes++;
    fake.refreshToken = `fake-refresh-${issued}`;
    const accessToken = `fake-access-${issued}`;
    access.set(accessToken, now() + 1800_000);
    reply.json(200, {
      access_token: accessToken,
      expires_in: 1800,
      token_type: 'Bearer',
      refresh_token: fake.refreshToken,
      scope: 'offline_access accounting.contacts accounting.invoices accounting.payments',
    });
  }

  function authorised(req: FakeRequest, reply: FakeReply): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = bearer ? access.get(bearer) : undefined;
    if (expires === undefined) {
      reply.json(401, problem(401, 'Unauthorized', 'AuthenticationUnsuccessful'), {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
      return false;
    }
    if (expires <= now()) {
      reply.json(
        401,
        problem(
          401,
          'Unauthorized',
          `TokenExpired: token expired at ${new Date(expires).toUTCString()}`,
        ),
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
      return false;
    }
    if (req.headers['xero-tenant-id'] !== o.tenantId) {
      reply.json(403, problem(403, 'Forbidden', 'AuthenticationUnsuccessful'));
      return false;
    }
    return true;
  }

  function list(req: FakeRequest, reply: FakeReply, name: 'Contacts' | 'Invoices' | 'Payments') {
    const where = matcher(req.query.get('where'));
    if (!where)
      return reply.json(400, validationError(`Invalid where clause: ${req.query.get('where')}`));
    const modified = req.headers['if-modified-since'];
    const since = typeof modified === 'string' ? Date.parse(`${modified}Z`) : undefined;
    const statuses = req.query.get('Statuses')?.split(',');
    const ids = req.query.get('IDs')?.split(',');
    const pageSize = Math.min(1000, Number(req.query.get('pageSize') ?? '100'));
    const page = Number(req.query.get('page') ?? '0');
    const all: Record<string, unknown>[] = [
      ...(name === 'Contacts' ? contacts : name === 'Invoices' ? invoices : payments).values(),
    ] as unknown as Record<string, unknown>[];
    const idField =
      name === 'Contacts' ? 'ContactID' : name === 'Invoices' ? 'InvoiceID' : 'PaymentID';
    const matching = all.filter(
      (r) =>
        where(r) &&
        (statuses === undefined || statuses.includes(r.Status as string)) &&
        (ids === undefined || ids.includes(r[idField] as string)) &&
        (since === undefined ||
          Number(/\((\d+)/.exec(String(r.UpdatedDateUTC))?.[1] ?? 0) >= since),
    );
    const shown = page >= 1 ? matching.slice((page - 1) * pageSize, page * pageSize) : matching;
    const items =
      name === 'Contacts' && page >= 1
        ? (shown as unknown as XeroContact[]).map(withBalances)
        : shown;
    reply.json(200, {
      Id: randomUUID(),
      Status: 'OK',
      ProviderName: 'Arrears',
      DateTimeUTC: msDate(now()),
      ...(page >= 1
        ? {
            pagination: {
              page,
              pageSize,
              pageCount: Math.max(1, Math.ceil(matching.length / pageSize)),
              itemCount: matching.length,
            },
          }
        : {}),
      [name]: items,
    });
  }

  function addHistory(
    req: FakeRequest,
    reply: FakeReply,
    kind: 'Contacts' | 'Invoices',
    id: string,
  ) {
    const exists = kind === 'Contacts' ? contacts.has(id) : invoices.has(id);
    if (!exists) return reply.text(404, "The resource you're looking for cannot be found");
    const key = req.headers['idempotency-key'];
    const fingerprint = `${req.path} ${req.raw.toString('utf8')}`;
    const seen = typeof key === 'string' ? replay.get(key) : undefined;
    if (seen) {
      if (seen.fingerprint !== fingerprint)
        return reply.json(
          400,
          validationError('The Idempotency-Key was already used for a different request'),
        );
      return reply.json(seen.status, seen.body);
    }
    const records = (req.json as { HistoryRecords?: { Details?: unknown }[] } | undefined)
      ?.HistoryRecords;
    if (!Array.isArray(records) || records.length === 0)
      return reply.json(400, validationError('HistoryRecords must contain at least one record'));
    for (const r of records)
      if (typeof r.Details !== 'string' || r.Details.trim() === '')
        return reply.json(
          400,
          validationError('The Details field is required.', { Details: r.Details ?? '' }),
        );
    const body = {
      HistoryRecords: records.map((r) => ({
        Details: r.Details,
        DateUTC: msDate(now()),
        DateUTCString: new Date(now()).toISOString().slice(0, 19),
        Changes: 'Note',
        User: 'System Generated',
      })),
    };
    for (const r of records)
      history.push({
        kind,
        id,
        details: r.Details as string,
        idempotencyKey: typeof key === 'string' ? key : undefined,
      });
    if (typeof key === 'string') replay.set(key, { fingerprint, status: 200, body });
    reply.json(200, body);
  }

  const server = await startFake((req, reply) => {
    if (req.path === '/connect/token' && req.method === 'POST') return token(req, reply);
    const m = /^\/api\.xro\/2\.0\/(Contacts|Invoices|Payments)(?:\/([^/]+)\/History)?$/.exec(
      req.path,
    );
    if (!m) return reply.text(404, "The resource you're looking for cannot be found");
    if (!authorised(req, reply)) return;
    const name = m[1] as 'Contacts' | 'Invoices' | 'Payments';
    if (m[2] === undefined && req.method === 'GET') return list(req, reply, name);
    if (
      m[2] !== undefined &&
      (req.method === 'PUT' || req.method === 'POST') &&
      name !== 'Payments'
    )
      return addHistory(req, reply, name, decodeURIComponent(m[2]));
    reply.text(405, 'Method not allowed');
  });

  const stamp = () => msDate(now());
  fake = Object.assign(server, {
    apiUrl: `${server.url}/api.xro/2.0`,
    tokenUrl: `${server.url}/connect/token`,
    contacts,
    invoices,
    payments,
    history,
    refreshToken: o.refreshToken,
    refreshes: 0,
    expireAccessTokens() {
      for (const t of access.keys()) access.set(t, 0);
    },
    addContact(over: Partial<XeroContact> = {}) {
      const c: XeroContact = {
        ContactID: randomUUID(),
        Name: 'Ana Ruiz',
        ContactStatus: 'ACTIVE',
        IsCustomer: true,
        Phones: [],
        UpdatedDateUTC: stamp(),
        ...over,
      };
      contacts.set(c.ContactID, c);
      return c;
    },
    addInvoice(contactId: string, over: Partial<XeroInvoice> = {}) {
      const date = over.DateString?.slice(0, 10) ?? '2026-10-01';
      const due = over.DueDateString?.slice(0, 10) ?? date;
      const total = over.Total ?? 1200;
      const inv: XeroInvoice = {
        InvoiceID: randomUUID(),
        InvoiceNumber: `INV-${String(invoices.size + 1).padStart(4, '0')}`,
        Type: 'ACCREC',
        Contact: { ContactID: contactId, Name: contacts.get(contactId)?.Name },
        Date: msDate(day(date)),
        DateString: `${date}T00:00:00`,
        DueDate: msDate(day(due)),
        DueDateString: `${due}T00:00:00`,
        Status: 'AUTHORISED',
        Total: total,
        AmountDue: total,
        AmountPaid: 0,
        AmountCredited: 0,
        CurrencyCode: 'USD',
        UpdatedDateUTC: stamp(),
        ...over,
      };
      invoices.set(inv.InvoiceID, inv);
      return inv;
    },
    pay(invoiceId: string, amount: number, date = new Date(now()).toISOString().slice(0, 10)) {
      const inv = invoices.get(invoiceId)!;
      const p: XeroPayment = {
        PaymentID: randomUUID(),
        Date: msDate(day(date)),
        Amount: amount,
        Invoice: {
          InvoiceID: inv.InvoiceID,
          InvoiceNumber: inv.InvoiceNumber,
          Contact: { ContactID: inv.Contact.ContactID },
        },
        Status: 'AUTHORISED',
        PaymentType: 'ACCRECPAYMENT',
        Reference: 'Rent',
        UpdatedDateUTC: stamp(),
      };
      payments.set(p.PaymentID, p);
      inv.AmountPaid = Math.round((inv.AmountPaid + amount) * 100) / 100;
      inv.AmountDue = Math.round((inv.AmountDue - amount) * 100) / 100;
      if (inv.AmountDue <= 0) inv.Status = 'PAID';
      inv.UpdatedDateUTC = stamp();
      return p;
    },
    touch(record: { UpdatedDateUTC?: string }) {
      record.UpdatedDateUTC = stamp();
    },
    rateLimitNext(times: number, limit = 'minute', retryAfterS = 0) {
      server.fault(times, {
        status: 429,
        headers: { 'retry-after': String(retryAfterS), 'x-rate-limit-problem': limit },
        body: problem(429, 'Too Many Requests', 'Rate limit exceeded'),
        path: API,
      });
    },
    signed(body: unknown, key = o.webhookKey ?? '') {
      const raw = JSON.stringify(body);
      return {
        raw,
        headers: { 'content-type': 'application/json', 'x-xero-signature': signXero(key, raw) },
      };
    },
    notify(url: string, events: Record<string, unknown>[]) {
      const s = fake.signed({
        events,
        firstEventSequence: 1,
        lastEventSequence: events.length,
        entropy: randomUUID().replace(/-/g, '').toUpperCase(),
      });
      return postCallback(url, s.raw, s.headers);
    },
    async intentToReceive(url: string) {
      const itr = () => ({
        events: [],
        firstEventSequence: 0,
        lastEventSequence: 0,
        entropy: randomUUID().replace(/-/g, '').toUpperCase(),
      });
      const good = fake.signed(itr());
      const bad = fake.signed(itr());
      bad.headers['x-xero-signature'] = signXero(`${o.webhookKey ?? ''}-wrong`, bad.raw);
      const a = await postCallback(url, good.raw, good.headers);
      const b = await postCallback(url, bad.raw, bad.headers);
      return {
        ok: a.status === 200 && a.text === '' && b.status === 401,
        statuses: [a.status, b.status] as [number, number],
      };
    },
  });
  return fake;
}
