import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANA, connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { PublicEvent } from '../../app/publish-events.js';
import type { CaseContext } from '../../app/write-back.js';
import type { ConnectorModule } from '../contract.js';
import { SILENT_LOG } from '../context.js';
import { apiErrorOf, createXeroClient } from './client.js';
import { API, startXeroFake, type XeroFake } from './fake-server.js';
import { createXero, xeroConnector, type XeroInstance } from './index.js';
import type { XeroContact } from './map.js';

const CLIENT_ID = 'ARREARSCONTRACTCLIENTID0000000000';
const CLIENT_SECRET = 'xero-contract-client-secret';
const TENANT = '6d3ac5a4-2a6f-4b5b-9a6e-3c1f0e6f2a11';
const WEBHOOK_KEY = 'xero-webhook-key-for-contract-tests';
const T0 = Date.parse('2026-10-06T16:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let fake: XeroFake;
let clock: ReturnType<typeof fixedClock>;
beforeEach(async () => {
  clock = fixedClock(T0);
  fake = await startXeroFake({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: 'fake-refresh-0',
    tenantId: TENANT,
    webhookKey: WEBHOOK_KEY,
    now: () => clock.now(),
  });
});
afterEach(() => fake.close());

const warnings: { fields: Record<string, unknown>; message: string }[] = [];
/** The module with a log that keeps warnings, to see what a rotation says. */
const recorded: ConnectorModule = {
  manifest: xeroConnector.manifest,
  create: (ctx) =>
    createXero({
      ...ctx,
      log: { info() {}, warn: (fields, message) => warnings.push({ fields, message }) },
    }),
};

function harness(over: Record<string, string | undefined> = {}, module = xeroConnector) {
  return connectorHarness(
    module,
    {
      ARREARS_XERO_CLIENT_ID: CLIENT_ID,
      ARREARS_XERO_CLIENT_SECRET: CLIENT_SECRET,
      ARREARS_XERO_REFRESH_TOKEN: fake.refreshToken,
      ARREARS_XERO_TENANT_ID: TENANT,
      ARREARS_XERO_WEBHOOK_KEY: WEBHOOK_KEY,
      ARREARS_XERO_PROPERTY_ID: 'P1',
      ARREARS_XERO_BASE_URL: fake.apiUrl,
      ARREARS_XERO_TOKEN_URL: fake.tokenUrl,
      ...over,
    },
    { clock },
  );
}
const calls = () => fake.requests.map((r) => `${r.method} ${r.path.replace('/api.xro/2.0', '')}`);
const apiRequests = () => fake.requests.filter((r) => API.test(r.path));
const query = (i: number) => Object.fromEntries(apiRequests()[i]!.query);

function addAna(): XeroContact {
  return fake.addContact({
    Name: 'Ana Ruiz',
    FirstName: 'Ana',
    LastName: 'Ruiz',
    EmailAddress: ANA.email!,
    Phones: [
      { PhoneType: 'DEFAULT', PhoneNumber: '5550100', PhoneAreaCode: '415', PhoneCountryCode: '1' },
      { PhoneType: 'MOBILE', PhoneNumber: '555 0101', PhoneAreaCode: '415', PhoneCountryCode: '1' },
    ],
  });
}

/** September paid, October part-credited, a voided invoice and a draft — a day ago. */
function anaWithInvoices() {
  clock.set(T0 - DAY);
  const ana = addAna();
  const sep = fake.addInvoice(ana.ContactID, { DateString: '2026-09-01T00:00:00' });
  const payment = fake.pay(sep.InvoiceID, 1200, '2026-09-03');
  const oct = fake.addInvoice(ana.ContactID, {
    DateString: '2026-10-01T00:00:00',
    DueDateString: '2026-10-05T00:00:00',
    AmountCredited: 200,
    AmountDue: 1000,
  });
  const voided = fake.addInvoice(ana.ContactID, { Total: 50, AmountDue: 0, Status: 'VOIDED' });
  fake.addInvoice(ana.ContactID, { Total: 75, Status: 'DRAFT' });
  clock.set(T0);
  return { ana, sep, payment, oct, voided };
}

async function pullAll(h: ReturnType<typeof harness>, cursor: string | null) {
  const pages = [];
  for (;;) {
    const page = await h.instance.source!.pull(cursor);
    pages.push(page);
    cursor = page.cursor;
    if (!page.more) return pages;
  }
}

describe('xero connector: manifest, auth and token refresh', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(xeroConnector)).toEqual([]);
  });

  it('refreshes the token (Basic client credentials), then calls with Bearer and xero-tenant-id', async () => {
    const h = harness();
    expect(await h.instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual(['POST /connect/token', 'GET /Contacts']);
    const [tokenReq, api] = fake.requests;
    expect(tokenReq!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
    );
    expect(tokenReq!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenReq!.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'fake-refresh-0',
    });
    expect(api!.headers.authorization).toBe('Bearer fake-access-1');
    expect(api!.headers['xero-tenant-id']).toBe(TENANT);
    expect(api!.headers.accept).toBe('application/json');
    expect(query(0)).toEqual({ page: '1', pageSize: '1' });
  });

  it('keeps the token 30 minutes, renews it a minute early with the rotated refresh token', async () => {
    warnings.length = 0;
    const h = harness({}, recorded);
    await h.instance.verify();
    clock.advance(20 * 60_000);
    await h.instance.verify();
    expect(fake.refreshes).toBe(1);
    clock.advance(9.5 * 60_000);
    await h.instance.verify();
    expect(calls()).toEqual([
      'POST /connect/token',
      'GET /Contacts',
      'GET /Contacts',
      'POST /connect/token',
      'GET /Contacts',
    ]);
    expect(fake.requests[3]!.form.refresh_token).toBe('fake-refresh-1');
    expect((h.instance as XeroInstance).currentRefreshToken()).toBe('fake-refresh-2');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.message).toContain('must be persisted');
    expect(JSON.stringify(warnings)).not.toMatch(/fake-refresh-\d/);
  });

  it('a token the API refuses (401 TokenExpired) is renewed once and the call repeated', async () => {
    const h = harness();
    await h.instance.verify();
    fake.expireAccessTokens();
    expect(await h.instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual([
      'POST /connect/token',
      'GET /Contacts',
      'GET /Contacts',
      'POST /connect/token',
      'GET /Contacts',
    ]);
    expect(fake.requests[4]!.headers.authorization).toBe('Bearer fake-access-2');
  });

  it('a spent refresh token or a wrong client secret: verify fails and says why', async () => {
    const spent = await harness({ ARREARS_XERO_REFRESH_TOKEN: 'spent' }).instance.verify();
    expect(spent).toMatchObject({ ok: false, detail: expect.stringContaining('invalid_grant') });
    const client = await harness({ ARREARS_XERO_CLIENT_SECRET: 'wrong' }).instance.verify();
    expect(client).toMatchObject({ ok: false, detail: expect.stringContaining('invalid_client') });
    expect(spent.detail).not.toContain('spent');
    expect(fake.refreshes).toBe(0);
  });

  it("the API's own 401 shape for a token it never issued", async () => {
    const res = await fetch(`${fake.apiUrl}/Contacts`, {
      headers: { authorization: 'Bearer forged', 'xero-tenant-id': TENANT },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'AuthenticationUnsuccessful',
    });
  });
});

describe('xero connector: source (contacts, invoices, payments)', () => {
  it('a full pull: contacts, then sales invoices, then payments, each page self-contained', async () => {
    const { ana, sep, payment, oct, voided } = anaWithInvoices();
    const h = harness();
    const [contacts, invoices, payments] = await pullAll(h, null);
    const lease = `xero-lease-${ana.ContactID}`;
    const tenant = {
      id: `xero-contact-${ana.ContactID}`,
      name: 'Ana Ruiz',
      email: ANA.email,
      phone: '+14155550101',
    };
    const leaseRecord = {
      id: lease,
      propertyId: 'P1',
      tenantIds: [tenant.id],
      sourceId: 'xero',
    };
    expect(contacts).toEqual({
      tenants: [tenant],
      leases: [leaseRecord],
      ledger: [],
      balances: [{ leaseId: lease, balanceCents: 100000 }],
      cursor: JSON.stringify({
        since: null,
        pass: { started: '2026-10-06T15:55:00', phase: 'invoices', page: 1 },
      }),
      more: true,
    });
    const sepId = `xero-inv-${sep.InvoiceID}`;
    const octId = `xero-inv-${oct.InvoiceID}`;
    const voidId = `xero-inv-${voided.InvoiceID}`;
    expect(invoices!.ledger).toEqual([
      {
        id: sepId,
        leaseId: lease,
        date: '2026-09-01',
        type: 'charge',
        category: 'rent',
        amountCents: 120000,
        dueDate: '2026-09-01',
      },
      {
        id: octId,
        leaseId: lease,
        date: '2026-10-01',
        type: 'charge',
        category: 'rent',
        amountCents: 120000,
        dueDate: '2026-10-05',
      },
      {
        id: `${octId}-credited`,
        leaseId: lease,
        date: '2026-10-05',
        type: 'credit',
        amountCents: 20000,
        appliesTo: octId,
      },
      {
        id: voidId,
        leaseId: lease,
        date: '2026-10-01',
        type: 'charge',
        category: 'rent',
        amountCents: 5000,
        dueDate: '2026-10-01',
      },
      {
        id: `${voidId}-void`,
        leaseId: lease,
        date: '2026-10-05',
        type: 'reversal',
        amountCents: 5000,
        reverses: voidId,
      },
    ]);
    expect(invoices).toMatchObject({
      tenants: [tenant],
      leases: [leaseRecord],
      balances: [{ leaseId: lease, balanceCents: 100000 }],
      more: true,
    });
    expect(payments).toEqual({
      tenants: [tenant],
      leases: [leaseRecord],
      ledger: [
        {
          id: `xero-pay-${payment.PaymentID}`,
          leaseId: lease,
          date: '2026-09-03',
          type: 'payment',
          amountCents: 120000,
          appliesTo: sepId,
        },
      ],
      balances: [{ leaseId: lease, balanceCents: 100000 }],
      cursor: JSON.stringify({ since: '2026-10-06T15:55:00' }),
      more: false,
    });
    expect(calls()).toEqual([
      'POST /connect/token',
      'GET /Contacts',
      'GET /Invoices',
      'GET /Contacts',
      'GET /Payments',
      'GET /Contacts',
    ]);
    expect(query(0)).toEqual({ page: '1', pageSize: '100', where: 'IsCustomer==true' });
    expect(query(1)).toEqual({
      page: '1',
      pageSize: '100',
      where: 'Type=="ACCREC"',
      Statuses: 'AUTHORISED,PAID,VOIDED',
    });
    expect(query(2)).toEqual({ IDs: ana.ContactID, page: '1', pageSize: '100' });
    expect(query(3)).toEqual({ page: '1', pageSize: '100', where: 'PaymentType=="ACCRECPAYMENT"' });
    for (const r of apiRequests()) expect(r.headers['if-modified-since']).toBeUndefined();
  });

  it('pages with page=N (100 per page) while page < pageCount; empty phases are skipped', async () => {
    for (let i = 0; i < 101; i++) fake.addContact({ Name: `Tenant ${i}` });
    const h = harness();
    const first = await h.instance.source!.pull(null);
    expect(first.tenants).toHaveLength(100);
    expect(JSON.parse(first.cursor!)).toMatchObject({ pass: { phase: 'contacts', page: 2 } });
    const second = await h.instance.source!.pull(first.cursor);
    expect(second.tenants).toHaveLength(1);
    expect(second.more).toBe(true);
    const third = await h.instance.source!.pull(second.cursor);
    expect(third).toEqual({
      tenants: [],
      leases: [],
      ledger: [],
      balances: [],
      cursor: JSON.stringify({ since: '2026-10-06T15:55:00' }),
      more: false,
    });
    expect(apiRequests().map((r) => `${r.path.slice(13)} ${r.query.get('page')}`)).toEqual([
      'Contacts 1',
      'Contacts 2',
      'Invoices 1',
      'Payments 1',
    ]);
  });

  it('incremental: If-Modified-Since the previous pass began reads only what changed', async () => {
    const { oct } = anaWithInvoices();
    const h = harness();
    const full = await pullAll(h, null);
    const since = full.at(-1)!.cursor;
    clock.advance(HOUR);
    fake.requests.length = 0;
    const paid = fake.pay(oct.InvoiceID, 1000, '2026-10-06');
    const [invoices, payments] = await pullAll(h, since);
    expect(invoices!.ledger!.map((e) => e.id)).toEqual([
      `xero-inv-${oct.InvoiceID}`,
      `xero-inv-${oct.InvoiceID}-credited`,
    ]);
    expect(invoices!.balances).toEqual([
      { leaseId: `xero-lease-${oct.Contact.ContactID}`, balanceCents: 0 },
    ]);
    expect(payments!.ledger).toEqual([
      expect.objectContaining({ id: `xero-pay-${paid.PaymentID}`, amountCents: 100000 }),
    ]);
    expect(payments!.cursor).toBe(JSON.stringify({ since: '2026-10-06T16:55:00' }));
    const lists = apiRequests().filter((r) => !r.query.has('IDs'));
    expect(lists.map((r) => r.path.slice(13))).toEqual(['Contacts', 'Invoices', 'Payments']);
    for (const r of lists) expect(r.headers['if-modified-since']).toBe('2026-10-06T15:55:00');

    // The next pass starts 5 minutes early (clock skew), so it reads that change once more;
    // the one after is quiet.
    clock.advance(HOUR);
    const again = await pullAll(h, payments!.cursor);
    expect(again.flatMap((p) => p.ledger ?? []).map((e) => e.id)).toContain(
      `xero-pay-${paid.PaymentID}`,
    );
    fake.requests.length = 0;
    clock.advance(HOUR);
    const quiet = await h.instance.source!.pull(again.at(-1)!.cursor);
    expect(quiet).toMatchObject({
      ledger: [],
      more: false,
      cursor: JSON.stringify({ since: '2026-10-06T18:55:00' }),
    });
    // An hour on, the token is renewed first.
    expect(calls()).toEqual([
      'POST /connect/token',
      'GET /Contacts',
      'GET /Invoices',
      'GET /Payments',
    ]);
  });

  it('retries a 429 with its Retry-After and a 5xx on reads, then succeeds', async () => {
    addAna();
    const h = harness();
    fake.rateLimitNext(1, 'minute', 0);
    fake.fault(1, { status: 503, path: API, body: { Title: 'Service Unavailable' } });
    const page = await h.instance.source!.pull(null);
    expect(page.tenants).toHaveLength(1);
    expect(calls()).toEqual([
      'POST /connect/token',
      'GET /Contacts',
      'GET /Contacts',
      'GET /Contacts',
    ]);
  });

  it('a 429 asking for longer (the day limit) stops the sync with the wait and the limit named', async () => {
    addAna();
    fake.rateLimitNext(1, 'day', 3600);
    await expect(harness().instance.source!.pull(null)).rejects.toMatchObject({
      name: 'XeroApiError',
      status: 429,
      retryable: true,
      retryAfterMs: 3_600_000,
      message: expect.stringContaining('(limit: day)'),
    });
  });

  it('without PROPERTY_ID there is no source', () => {
    expect(harness({ ARREARS_XERO_PROPERTY_ID: undefined }).instance.source).toBeUndefined();
  });
});

describe('xero connector: case events as contact history notes (sink)', () => {
  const context = (leaseId: string, balanceCents = 120000): CaseContext => ({
    leaseId,
    unit: '12B',
    tenant: { id: 'T1', name: 'Ana Ruiz', email: ANA.email, phone: ANA.phone },
    property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
    balanceCents,
  });
  const opened = (leaseId: string): PublicEvent => ({
    id: 'evt_default_12',
    event: 'case.opened',
    occurredAt: '2026-10-06T16:00:00.000Z',
    leaseId,
    caseEpisode: 1,
    openedOn: '2026-10-06',
    policyId: 'oak-court',
    policyVersion: 1,
  });

  it('case.opened: one note on the contact, keyed on the event id', async () => {
    const ana = addAna();
    const lease = `xero-lease-${ana.ContactID}`;
    const sink = harness().instance.sink!;
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toEqual({
      ok: true,
    });
    const put = fake.requests.at(-1)!;
    expect(`${put.method} ${put.path}`).toBe(`PUT /api.xro/2.0/Contacts/${ana.ContactID}/History`);
    expect(put.headers['idempotency-key']).toBe('evt_default_12');
    expect(put.headers['content-type']).toBe('application/json');
    expect(put.json).toEqual({
      HistoryRecords: [
        {
          Details:
            'Arrears: case 1 opened (policy oak-court v1). Balance 1,200.00. [evt_default_12]',
        },
      ],
    });
    // The same event again (a crash between the write and the cursor): still one note.
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toEqual({
      ok: true,
    });
    expect(fake.history).toHaveLength(1);
  });

  it('an action that failed, and a lease found by its tenant e-mail', async () => {
    const ana = addAna();
    const sink = harness().instance.sink!;
    const failed: PublicEvent = {
      id: 'evt_default_13',
      event: 'action.failed',
      occurredAt: '2026-10-07T16:00:00.000Z',
      leaseId: 'L1',
      caseEpisode: 1,
      key: 'L1:1:late-notice:sms',
      stage: 'late-notice',
      action: 'sms',
      status: 'failed',
      provider: 'twilio',
      attempts: 1,
      reason: 'rejected',
      errorCode: '21610',
    };
    expect(await sink.apply({ event: failed, context: context('L1', 125000) })).toEqual({
      ok: true,
    });
    expect(calls().slice(1)).toEqual(['GET /Contacts', `PUT /Contacts/${ana.ContactID}/History`]);
    expect(query(0)).toEqual({
      where: 'EmailAddress=="ana@example.com"',
      page: '1',
      pageSize: '2',
    });
    expect(fake.history.map((n) => n.details)).toEqual([
      'Arrears: late-notice sms failed (rejected). Balance 1,250.00. [evt_default_13]',
    ]);
  });

  it('a lease Xero does not know is skipped; throttling and credentials hold the cursor', async () => {
    const sink = harness().instance.sink!;
    expect(await sink.apply({ event: opened('L9'), context: context('L9') })).toEqual({ ok: true });
    const ana = addAna();
    const lease = `xero-lease-${ana.ContactID}`;
    fake.rateLimitNext(1, 'day', 7200);
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 7_200_000,
      reason: expect.stringContaining('429'),
    });
    const spent = harness({ ARREARS_XERO_REFRESH_TOKEN: 'spent' }).instance.sink!;
    expect(await spent.apply({ event: opened(lease), context: context(lease) })).toMatchObject({
      ok: false,
      retryable: true,
      reason: expect.stringContaining('invalid_grant'),
    });
  });

  it('a contact gone from Xero is a refusal that will not pass', async () => {
    const sink = harness().instance.sink!;
    const lease = 'xero-lease-00000000-0000-0000-0000-000000000000';
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringContaining('404'),
    });
  });

  it('a note missing its required Details is refused with a ValidationException', async () => {
    const ana = addAna();
    const client = createXeroClient({
      baseUrl: fake.apiUrl,
      tokenUrl: fake.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      refreshToken: fake.refreshToken,
      tenantId: TENANT,
      now: () => clock.now(),
      log: SILENT_LOG,
    });
    const res = await client.addHistory('Contacts', ana.ContactID, { HistoryRecords: [{}] }, 'k1');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [
        { Details: '', ValidationErrors: [{ Message: 'The Details field is required.' }] },
      ],
    });
    expect(apiErrorOf('PUT history', res)).toMatchObject({
      code: 'ValidationException',
      retryable: false,
      message: 'PUT history answered 400: ValidationException The Details field is required.',
    });
  });
});

describe('xero connector: /webhooks/xero', () => {
  const sign = (raw: string, key = WEBHOOK_KEY) =>
    createHmac('sha256', key).update(raw).digest('base64');
  const delivery = (first = 1) =>
    JSON.stringify({
      events: [
        {
          resourceUrl: 'https://api.xero.com/api.xro/2.0/Invoices/0a1b',
          resourceId: '0a1b',
          eventDateUtc: '2026-10-06T15:59:00.000',
          eventType: 'UPDATE',
          eventCategory: 'INVOICE',
          tenantId: TENANT,
          tenantType: 'ORGANISATION',
        },
      ],
      firstEventSequence: first,
      lastEventSequence: first,
      entropy: 'S0M3R4ND0M5TR1NG',
    });
  async function post(raw: string, headers: Record<string, string>, h = harness()) {
    const app = await h.webhookApp();
    try {
      return await app.inject({ method: 'POST', url: '/webhooks/xero', payload: raw, headers });
    } finally {
      await app.close();
    }
  }
  const json = { 'content-type': 'application/json' };

  it('a signed delivery is answered 200 with an empty body', async () => {
    const raw = delivery();
    const res = await post(raw, { ...json, 'x-xero-signature': sign(raw) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('a forged, a tampered and an unsigned delivery are refused with 401', async () => {
    const raw = delivery();
    expect(
      (await post(raw, { ...json, 'x-xero-signature': sign(raw, 'other-key') })).statusCode,
    ).toBe(401);
    const tampered = raw.replace('UPDATE', 'CREATE');
    expect((await post(tampered, { ...json, 'x-xero-signature': sign(raw) })).statusCode).toBe(401);
    expect((await post(raw, json)).statusCode).toBe(401);
  });

  it('intent to receive: the correctly signed delivery gets 200 and the mis-signed one 401', async () => {
    const app = await harness().webhookApp();
    try {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      expect(await fake.intentToReceive(`${address}/webhooks/xero`)).toEqual({
        ok: true,
        statuses: [200, 401],
      });
    } finally {
      await app.close();
    }
  });

  it('the same delivery twice is handled once, and answered 200 with an empty body again', async () => {
    const raw = delivery(7);
    const app = await harness().webhookApp();
    try {
      const inject = () =>
        app.inject({
          method: 'POST',
          url: '/webhooks/xero',
          payload: raw,
          headers: { ...json, 'x-xero-signature': sign(raw) },
        });
      const first = await inject();
      const second = await inject();
      expect([first.statusCode, first.body]).toEqual([200, '']);
      expect([second.statusCode, second.body]).toEqual([200, '']);
    } finally {
      await app.close();
    }
  });

  it('with no webhook key configured every delivery is refused (503)', async () => {
    const raw = delivery();
    const res = await post(
      raw,
      { ...json, 'x-xero-signature': sign(raw) },
      harness({ ARREARS_XERO_WEBHOOK_KEY: undefined }),
    );
    expect(res.statusCode).toBe(503);
  });
});
