/**
 * A local QuickBooks Online (reference §1, §20) for tests and the demo, on startFake:
 *
 *   POST /oauth2/v1/tokens/bearer          HTTP Basic client_id:secret, grant_type=refresh_token;
 *                                          a new refresh token every time (the old one is spent)
 *   GET  /v3/company/{realm}/query         select * | count(*) from Customer|Invoice|Payment
 *                                          [where F = 'v' and F in ('a','b') …] [ORDERBY F]
 *                                          [STARTPOSITION n] [MAXRESULTS n ≤ 1000]
 *   GET  /v3/company/{realm}/cdc           entities=…&changedSince=… (≤ 30 days back)
 *   GET  /v3/company/{realm}/customer/{id}
 *   POST /v3/company/{realm}/customer      sparse update: Id + SyncToken (stale → 5010)
 *   POST /v3/company/{realm}/invoice       create: CustomerRef + Line[{Amount, DetailType}]
 *
 * Errors in Intuit's Fault shape: an expired or unknown access token → 401
 * AuthenticationFault 3200; another company → 403; a missing required field → 400
 * ValidationFault 2020 naming the element; `throttleNext` → 429 ThrottleExceeded (3001).
 * Balances are worked out as QuickBooks does: an invoice's Balance is its TotalAmt less
 * the payment lines linked to it, a customer's is its invoices' balances less unapplied
 * payments. Every change stamps MetaData.LastUpdatedTime with the fake's clock (a payment
 * also touches the invoices it pays), which is what CDC answers from. `requestid` repeats
 * return the first answer. `notify` posts a signed legacy change notification.
 */
import { randomBytes } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { signIntuit } from './webhooks.js';

type Json = Record<string, unknown>;

export interface QuickBooksFakeOptions {
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  realmId?: string;
  verifierToken?: string;
  /** The fake's clock (epoch ms): MetaData times, CDC windows, token expiry. */
  now?: () => number;
  accessTokenSeconds?: number;
}

export interface FakeCustomer extends Json {
  Id: string;
  DisplayName: string;
  SyncToken: string;
  Notes?: string;
}

export interface QuickBooksFake extends FakeServer {
  readonly realmId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly verifierToken: string;
  /** `url` + the token path. */
  readonly tokenUrl: string;
  /** The refresh token that works now (it rotates on every refresh). */
  refreshToken: string;
  /** Successful refreshes so far. */
  refreshes: number;
  customers: Map<string, FakeCustomer>;
  invoices: Map<string, Json>;
  payments: Map<string, Json>;
  addCustomer(c: Partial<FakeCustomer> & { DisplayName: string }): FakeCustomer;
  addInvoice(i: {
    customerId: string;
    amount: number;
    txnDate: string;
    dueDate?: string;
    item?: string;
    docNumber?: string;
  }): Json;
  addPayment(p: {
    customerId: string;
    amount: number;
    txnDate: string;
    invoiceIds?: string[];
  }): Json;
  /** Voids a payment (TotalAmt 0), as QuickBooks does. */
  voidPayment(id: string): void;
  deleteInvoice(id: string): void;
  /** Every access token handed out so far stops working (401 on the next call). */
  expireAccessTokens(): void;
  /** The next `times` API calls answer the documented throttling fault. */
  throttleNext(times: number, headers?: Record<string, string>): void;
  sign(raw: string | Buffer): string;
  /** POSTs a signed legacy change notification to `url`. */
  notify(
    url: string,
    entities: { name: string; id: string; operation: string }[],
  ): Promise<{ status: number; text: string; body: string }>;
}

export const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
const DAY_MS = 86_400_000;

export function qboFault(
  type: string,
  code: string,
  message: string,
  detail: string,
  element?: string,
  at = new Date().toISOString(),
): Json {
  return {
    Fault: {
      Error: [{ Message: message, Detail: detail, code, ...(element ? { element } : {}) }],
      type,
    },
    time: at,
  };
}

export const THROTTLE_FAULT = qboFault(
  'SystemFault',
  '3001',
  'message=ThrottleExceeded; errorCode=003001; statusCode=429',
  'The request limit was reached.',
);

export async function startQuickBooksFake(o: QuickBooksFakeOptions = {}): Promise<QuickBooksFake> {
  const now = o.now ?? (() => Date.now());
  const iso = () => new Date(now()).toISOString();
  const realmId = o.realmId ?? '9130357766900000';
  const clientId = o.clientId ?? 'ABqbo-client-id';
  const clientSecret = o.clientSecret ?? 'qbo-client-secret';
  const verifierToken = o.verifierToken ?? 'qbo-verifier-token';
  const life = (o.accessTokenSeconds ?? 3600) * 1000;
  const tokens = new Map<string, number>(); // access token → expires at
  const requestIds = new Map<string, { status: number; body: unknown }>();
  const deleted: { entity: string; row: Json; at: number }[] = [];
  let nextId = 100;

  const customers = new Map<string, FakeCustomer>();
  const invoices = new Map<string, Json>();
  const payments = new Map<string, Json>();
  const touched = new Map<Json, number>();
  const touch = (row: Json) => {
    touched.set(row, now());
    const meta = (row.MetaData ?? { CreateTime: iso() }) as Json;
    row.MetaData = { ...meta, LastUpdatedTime: iso() };
  };

  const linkedAmount = (invoiceId: string) =>
    [...payments.values()].reduce(
      (sum, p) =>
        sum +
        ((p.Line as Json[] | undefined) ?? []).reduce(
          (s, l) =>
            ((l.LinkedTxn as Json[] | undefined) ?? []).some((t) => t.TxnId === invoiceId)
              ? s + Number(l.Amount)
              : s,
          0,
        ),
      0,
    );
  const round = (n: number) => Math.round(n * 100) / 100;
  const invoiceView = (i: Json): Json => ({
    ...i,
    Balance: round(Number(i.TotalAmt) - linkedAmount(String(i.Id))),
  });
  const paymentView = (p: Json): Json => ({
    ...p,
    UnappliedAmt: round(
      Number(p.TotalAmt) -
        ((p.Line as Json[] | undefined) ?? []).reduce((s, l) => s + Number(l.Amount), 0),
    ),
  });
  const customerView = (c: FakeCustomer): Json => {
    const id = c.Id;
    const open = [...invoices.values()]
      .filter((i) => (i.CustomerRef as Json).value === id)
      .reduce((s, i) => s + Number(invoiceView(i).Balance), 0);
    const unapplied = [...payments.values()]
      .filter((p) => (p.CustomerRef as Json).value === id)
      .reduce((s, p) => s + Number(paymentView(p).UnappliedAmt), 0);
    return { ...c, Balance: round(open - unapplied), BalanceWithJobs: round(open - unapplied) };
  };
  const views = {
    Customer: () => [...customers.values()].map(customerView),
    Invoice: () => [...invoices.values()].map(invoiceView),
    Payment: () => [...payments.values()].map(paymentView),
  } as Record<string, () => Json[]>;

  const fault = (reply: FakeReply, status: number, body: Json) => reply.json(status, body);
  const validation = (
    reply: FakeReply,
    code: string,
    message: string,
    detail: string,
    element?: string,
  ) => fault(reply, 400, qboFault('ValidationFault', code, message, detail, element, iso()));

  const handler = (req: FakeRequest, reply: FakeReply) => {
    if (req.method === 'POST' && req.path === TOKEN_PATH) return token(req, reply);
    const m = /^\/v3\/company\/([^/]+)\/(.+)$/.exec(req.path);
    if (!m) return fault(reply, 404, qboFault('ValidationFault', '404', 'Not Found', req.path));
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const expires = bearer === undefined ? undefined : tokens.get(bearer);
    if (expires === undefined || expires <= now())
      return fault(
        reply,
        401,
        qboFault(
          'AuthenticationFault',
          '3200',
          'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          bearer === undefined ? 'Authorization header missing' : 'Token expired',
          undefined,
          iso(),
        ),
      );
    if (decodeURIComponent(m[1]!) !== realmId)
      return fault(
        reply,
        403,
        qboFault(
          'AuthorizationFault',
          '3100',
          'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
          'the token is not authorized for this company',
          undefined,
          iso(),
        ),
      );
    const rest = m[2]!;
    const requestId = req.query.get('requestid');
    if (req.method === 'POST' && requestId) {
      const seen = requestIds.get(requestId);
      if (seen) return reply.json(seen.status, seen.body);
      const answer = write(rest, req);
      requestIds.set(requestId, answer);
      return reply.json(answer.status, answer.body);
    }
    if (req.method === 'POST') {
      const answer = write(rest, req);
      return reply.json(answer.status, answer.body);
    }
    if (rest === 'query') return query(req, reply);
    if (rest === 'cdc') return cdc(req, reply);
    const one = /^customer\/(\d+)$/.exec(rest);
    if (one) {
      const c = customers.get(one[1]!);
      if (!c)
        return validation(reply, '610', 'Object Not Found', `Customer ${one[1]} was not found`);
      return reply.json(200, { Customer: customerView(c), time: iso() });
    }
    return fault(
      reply,
      404,
      qboFault('ValidationFault', '404', 'Not Found', rest, undefined, iso()),
    );
  };

  function token(req: FakeRequest, reply: FakeReply) {
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return reply.json(401, { error: 'invalid_client' });
    if (req.form.grant_type !== 'refresh_token')
      return reply.json(400, { error: 'unsupported_grant_type' });
    if (!req.form.refresh_token || req.form.refresh_token !== fake.refreshToken)
      return reply.json(400, {
        error: 'invalid_grant',
        error_description: 'Incorrect Token type or clientID',
      });
    fake.refreshToken = `RT1-${randomBytes(12).toString('hex')}`;
    fake.refreshes++;
    const access = `eyJ-${randomBytes(16).toString('hex')}`;
    tokens.set(access, now() + life);
    return reply.json(200, {
      token_type: 'bearer',
      access_token: access,
      expires_in: life / 1000,
      refresh_token: fake.refreshToken,
      x_refresh_token_expires_in: 8_726_400,
    });
  }

  function query(req: FakeRequest, reply: FakeReply) {
    const text = req.query.get('query');
    if (!text)
      return validation(reply, '2020', 'Required param missing', 'query is required', 'query');
    const q = parseQuery(text);
    if (!q) return validation(reply, '4000', 'Error parsing query', `QueryParserError: ${text}`);
    const all = views[q.entity];
    if (!all) return validation(reply, '4001', 'Invalid query', `unknown entity ${q.entity}`);
    if (q.max > 1000)
      return validation(reply, '4001', 'Invalid query', 'MAXRESULTS may not exceed 1000');
    let rows = all().filter((r) => q.where.every((w) => w(r)));
    if (q.count)
      return reply.json(200, { QueryResponse: { totalCount: rows.length }, time: iso() });
    if (q.orderBy) {
      const f = q.orderBy;
      const num = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
      rows = rows.sort((a, b) => {
        const x = num(a[f]) as string | number;
        const y = num(b[f]) as string | number;
        return (x < y ? -1 : x > y ? 1 : 0) * (q.desc ? -1 : 1);
      });
    }
    rows = rows.slice(q.start - 1, q.start - 1 + q.max);
    return reply.json(200, {
      QueryResponse:
        rows.length === 0
          ? {}
          : { [q.entity]: rows, startPosition: q.start, maxResults: rows.length },
      time: iso(),
    });
  }

  function cdc(req: FakeRequest, reply: FakeReply) {
    const entities = req.query.get('entities');
    const since = req.query.get('changedSince');
    if (!entities)
      return validation(
        reply,
        '2020',
        'Required param missing',
        'entities is required',
        'entities',
      );
    if (!since || Number.isNaN(Date.parse(since)))
      return validation(
        reply,
        '2020',
        'Required param missing',
        'changedSince is required',
        'changedSince',
      );
    const from = Date.parse(since);
    if (now() - from > 30 * DAY_MS)
      return validation(reply, '4001', 'Invalid query', 'changedSince may be at most 30 days ago');
    const parts = entities.split(',').map((entity) => {
      const name = entity.trim();
      const live = (views[name]?.() ?? []).filter((r) => {
        const source = name === 'Customer' ? customers : name === 'Invoice' ? invoices : payments;
        return (touched.get(source.get(String(r.Id))!) ?? 0) >= from;
      });
      const gone = deleted.filter((d) => d.entity === name && d.at >= from).map((d) => d.row);
      const rows = [...live, ...gone];
      return { [name]: rows, startPosition: 1, maxResults: rows.length };
    });
    return reply.json(200, { CDCResponse: [{ QueryResponse: parts }], time: iso() });
  }

  function write(rest: string, req: FakeRequest): { status: number; body: unknown } {
    const body = (req.json ?? {}) as Json;
    const invalid = (code: string, message: string, detail: string, element?: string) => ({
      status: 400,
      body: qboFault('ValidationFault', code, message, detail, element, iso()),
    });
    if (rest === 'customer') {
      if (typeof body.Id !== 'string')
        return invalid(
          '2020',
          'Required param missing, need to supply the required value for the API',
          'Required parameter Id is missing in the request',
          'Id',
        );
      if (typeof body.SyncToken !== 'string')
        return invalid(
          '2020',
          'Required param missing, need to supply the required value for the API',
          'Required parameter SyncToken is missing in the request',
          'SyncToken',
        );
      const c = customers.get(body.Id);
      if (!c) return invalid('610', 'Object Not Found', `Customer ${body.Id} was not found`);
      if (body.SyncToken !== c.SyncToken)
        return invalid(
          '5010',
          'Stale Object Error',
          `You and ${'someone else'} were working on this at the same time.`,
        );
      const { sparse: _s, Id: _i, SyncToken: _t, ...fields } = body;
      Object.assign(c, fields);
      c.SyncToken = String(Number(c.SyncToken) + 1);
      touch(c);
      return { status: 200, body: { Customer: customerView(c), time: iso() } };
    }
    if (rest === 'invoice') {
      const customerId = (body.CustomerRef as Json | undefined)?.value;
      if (typeof customerId !== 'string')
        return invalid(
          '2020',
          'Required param missing, need to supply the required value for the API',
          'Required parameter CustomerRef is missing in the request',
          'CustomerRef',
        );
      const lines = body.Line;
      if (!Array.isArray(lines) || lines.length === 0)
        return invalid(
          '2020',
          'Required param missing, need to supply the required value for the API',
          'Required parameter Line is missing in the request',
          'Line',
        );
      for (const l of lines as Json[])
        if (typeof l.Amount !== 'number' || typeof l.DetailType !== 'string')
          return invalid(
            '2020',
            'Required param missing, need to supply the required value for the API',
            'Required parameter Line.Amount / Line.DetailType is missing in the request',
            'Line',
          );
      if (!customers.has(customerId))
        return invalid(
          '2500',
          'Invalid Reference Id',
          `Invalid Reference Id : Customer ${customerId}`,
          'CustomerRef',
        );
      const inv = createInvoice({ ...body, CustomerRef: { value: customerId } });
      return { status: 200, body: { Invoice: invoiceView(inv), time: iso() } };
    }
    return {
      status: 400,
      body: qboFault('ValidationFault', '400', 'Unsupported operation', rest, undefined, iso()),
    };
  }

  function createInvoice(fields: Json): Json {
    const id = String(nextId++);
    const total = round(((fields.Line as Json[]) ?? []).reduce((s, l) => s + Number(l.Amount), 0));
    const inv: Json = {
      Id: id,
      SyncToken: '0',
      DocNumber: fields.DocNumber ?? id,
      TxnDate: fields.TxnDate ?? iso().slice(0, 10),
      ...fields,
      TotalAmt: total,
    };
    touch(inv);
    invoices.set(id, inv);
    return inv;
  }

  const server = await startFake(handler);
  const fake: QuickBooksFake = Object.assign(server, {
    realmId,
    clientId,
    clientSecret,
    verifierToken,
    tokenUrl: `${server.url}${TOKEN_PATH}`,
    refreshToken: o.refreshToken ?? 'RT1-initial-refresh-token',
    refreshes: 0,
    customers,
    invoices,
    payments,
    addCustomer(c: Partial<FakeCustomer> & { DisplayName: string }) {
      const id = c.Id ?? String(nextId++);
      const row: FakeCustomer = { Active: true, ...c, Id: id, SyncToken: '0' };
      touch(row);
      customers.set(id, row);
      return row;
    },
    addInvoice(i: Parameters<QuickBooksFake['addInvoice']>[0]) {
      return createInvoice({
        CustomerRef: { value: i.customerId, name: customers.get(i.customerId)?.DisplayName },
        TxnDate: i.txnDate,
        DueDate: i.dueDate ?? i.txnDate,
        ...(i.docNumber ? { DocNumber: i.docNumber } : {}),
        Line: [
          {
            Amount: i.amount,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: '1', name: i.item ?? 'Rent' } },
          },
        ],
      });
    },
    addPayment(p: Parameters<QuickBooksFake['addPayment']>[0]) {
      const id = String(nextId++);
      const ids = p.invoiceIds ?? [];
      let left = p.amount;
      const lines = ids.map((invoiceId) => {
        const open = Number(invoiceView(invoices.get(invoiceId)!).Balance);
        const amount = round(Math.min(open, left));
        left = round(left - amount);
        return { Amount: amount, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] };
      });
      const row: Json = {
        Id: id,
        SyncToken: '0',
        TxnDate: p.txnDate,
        TotalAmt: p.amount,
        CustomerRef: { value: p.customerId },
        Line: lines,
      };
      touch(row);
      payments.set(id, row);
      for (const invoiceId of ids) touch(invoices.get(invoiceId)!);
      return row;
    },
    voidPayment(id: string) {
      const p = payments.get(id)!;
      const paid = ((p.Line as Json[]) ?? []).flatMap((l) =>
        (l.LinkedTxn as Json[]).map((t) => String(t.TxnId)),
      );
      p.TotalAmt = 0;
      p.Line = [];
      p.PrivateNote = 'Voided';
      touch(p);
      for (const invoiceId of paid) if (invoices.has(invoiceId)) touch(invoices.get(invoiceId)!);
    },
    deleteInvoice(id: string) {
      const inv = invoices.get(id)!;
      invoices.delete(id);
      deleted.push({
        entity: 'Invoice',
        row: {
          Id: id,
          status: 'Deleted',
          MetaData: { LastUpdatedTime: iso() },
          CustomerRef: inv.CustomerRef,
        },
        at: now(),
      });
    },
    expireAccessTokens() {
      for (const t of tokens.keys()) tokens.set(t, 0);
    },
    throttleNext(times: number, headers: Record<string, string> = {}) {
      server.fault(times, { status: 429, body: THROTTLE_FAULT, headers, path: /^\/v3\// });
    },
    sign: (raw: string | Buffer) => signIntuit(verifierToken, raw),
    async notify(url: string, entities: { name: string; id: string; operation: string }[]) {
      const body = JSON.stringify({
        eventNotifications: [
          {
            realmId,
            dataChangeEvent: {
              entities: entities.map((e) => ({ ...e, lastUpdated: iso() })),
            },
          },
        ],
      });
      const res = await postCallback(url, body, {
        'content-type': 'application/json',
        'intuit-signature': signIntuit(verifierToken, body),
      });
      return { ...res, body };
    },
  });
  return fake;
}

interface ParsedQuery {
  count: boolean;
  entity: string;
  where: ((row: Json) => boolean)[];
  orderBy?: string;
  desc: boolean;
  start: number;
  max: number;
}

const QUERY =
  /^\s*select\s+(\*|count\(\*\))\s+from\s+(\w+)(?:\s+where\s+(.+?))?(?:\s+orderby\s+(\w+)(?:\s+(asc|desc))?)?(?:\s+startposition\s+(\d+))?(?:\s+maxresults\s+(\d+))?\s*$/i;

/** The SQL-like subset the connector and tests use; null when it does not parse. */
export function parseQuery(text: string): ParsedQuery | null {
  const m = QUERY.exec(text);
  if (!m) return null;
  const where: ParsedQuery['where'] = [];
  if (m[3]) {
    for (const cond of m[3].split(/\s+and\s+/i)) {
      const c = /^(\w+)\s*(=|<=|>=|<|>|in)\s*(.+)$/i.exec(cond.trim());
      if (!c) return null;
      const [, field, op, raw] = c as unknown as [string, string, string, string];
      const values = [...raw.matchAll(/'((?:\\.|[^'\\])*)'/g)].map((v) =>
        v[1]!.replace(/\\(.)/g, '$1'),
      );
      if (values.length === 0) return null;
      const get = (row: Json) => {
        const v = row[field];
        return typeof v === 'object' && v !== null ? String((v as Json).value ?? '') : v;
      };
      const cmp = (a: unknown, b: string) =>
        typeof a === 'number'
          ? a - Number(b)
          : String(a ?? '') < b
            ? -1
            : String(a ?? '') > b
              ? 1
              : 0;
      const o = op.toLowerCase();
      where.push((row) => {
        const v = get(row);
        if (o === 'in') return values.includes(String(v));
        const d = cmp(v, values[0]!);
        return o === '='
          ? d === 0
          : o === '<'
            ? d < 0
            : o === '>'
              ? d > 0
              : o === '<='
                ? d <= 0
                : d >= 0;
      });
    }
  }
  return {
    count: m[1]!.toLowerCase() !== '*',
    entity: m[2]!,
    where,
    ...(m[4] ? { orderBy: m[4] } : {}),
    desc: m[5]?.toLowerCase() === 'desc',
    start: m[6] ? Number(m[6]) : 1,
    max: m[7] ? Number(m[7]) : 100,
  };
}
