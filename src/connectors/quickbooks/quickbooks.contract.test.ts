import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import type { DataSourcePort, SourcePage } from '../../app/ports/sources.js';
import type { CaseEvent } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { fixedClock } from '../../app/ports/clock.js';
import { InputError } from '../../domain/errors.js';
import { quickbooksConnector } from './index.js';
import { startQuickBooksFake, TOKEN_PATH, type QuickBooksFake } from './fake-server.js';
import { decodeCursor } from './source.js';
import { signIntuit } from './webhooks.js';

let fake: QuickBooksFake;
const START = Date.parse('2026-10-10T16:00:00Z');
const clock = fixedClock(START);
const MINUTE = 60_000;

beforeEach(async () => {
  clock.set(START);
  fake = await startQuickBooksFake({ now: () => clock.now() });
});
afterEach(() => fake.close());

function env(over: Record<string, string> = {}) {
  return {
    ARREARS_QUICKBOOKS_CLIENT_ID: fake.clientId,
    ARREARS_QUICKBOOKS_CLIENT_SECRET: fake.clientSecret,
    ARREARS_QUICKBOOKS_REFRESH_TOKEN: fake.refreshToken,
    ARREARS_QUICKBOOKS_REALM_ID: fake.realmId,
    ARREARS_QUICKBOOKS_PROPERTY_ID: 'P1',
    ARREARS_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: fake.verifierToken,
    ARREARS_QUICKBOOKS_BASE_URL: fake.url,
    ARREARS_QUICKBOOKS_TOKEN_URL: fake.tokenUrl,
    ...over,
  };
}

const harness = (over: Record<string, string> = {}) =>
  connectorHarness(quickbooksConnector, env(over), { clock });

/** Ana Ruiz (customer 58) owes October's rent; Ben Ode (59) paid his. */
function seed() {
  const ana = fake.addCustomer({
    Id: '58',
    DisplayName: 'Ana Ruiz',
    PrimaryEmailAddr: { Address: 'ana@example.com' },
    PrimaryPhone: { FreeFormNumber: '(415) 555-0101' },
    BillAddr: {
      Line1: '12 Oak Court',
      City: 'San Francisco',
      CountrySubDivisionCode: 'CA',
      PostalCode: '94110',
    },
    Notes: 'Prefers texts',
  });
  const ben = fake.addCustomer({ Id: '59', DisplayName: 'Ben Ode', Active: false });
  const rent = fake.addInvoice({
    customerId: '58',
    amount: 1500,
    txnDate: '2026-10-01',
    docNumber: '1001',
  });
  const fee = fake.addInvoice({
    customerId: '58',
    amount: 75,
    txnDate: '2026-10-06',
    dueDate: '2026-10-06',
    item: 'Late Fee',
  });
  const benRent = fake.addInvoice({ customerId: '59', amount: 900, txnDate: '2026-10-01' });
  const benPaid = fake.addPayment({
    customerId: '59',
    amount: 900,
    txnDate: '2026-10-02',
    invoiceIds: [String(benRent.Id)],
  });
  return { ana, ben, rent, fee, benRent, benPaid };
}

async function pullAll(source: DataSourcePort, cursor: string | null = null) {
  const pages: SourcePage[] = [];
  for (;;) {
    const page = await source.pull(cursor);
    pages.push(page);
    cursor = page.cursor ?? cursor;
    if (!page.more) return { pages, cursor };
  }
}

const apiRequests = () => fake.requests.filter((r) => r.path.startsWith('/v3/'));
const tokenRequests = () => fake.requests.filter((r) => r.path === TOKEN_PATH);

describe('quickbooks connector: manifest and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(quickbooksConnector)).toEqual([]);
  });

  it('`connectors test quickbooks` counts the customers; bad client credentials are not ok', async () => {
    seed();
    expect(await harness().instance.verify()).toMatchObject({
      ok: true,
      detail: `company ${fake.realmId}: 2 customers`,
    });
    const bad = await harness({ ARREARS_QUICKBOOKS_CLIENT_SECRET: 'wrong' }).instance.verify();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain('invalid_client');
  });
});

describe('quickbooks connector: auth and token refresh', () => {
  it('refreshes with HTTP Basic and the refresh token, then calls with the Bearer token and minorversion', async () => {
    seed();
    const first = fake.refreshToken;
    await harness().instance.source!.pull(null);
    const [tokenCall] = tokenRequests();
    expect(tokenCall!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`,
    );
    expect(tokenCall!.form).toEqual({ grant_type: 'refresh_token', refresh_token: first });
    const call = apiRequests()[0]!;
    expect(call.path).toBe(`/v3/company/${fake.realmId}/query`);
    expect(call.query.get('minorversion')).toBe('75');
    expect(call.headers.authorization).toMatch(/^Bearer eyJ-/);
  });

  it('an expired access token (401 AuthenticationFault) is refreshed with the rotated refresh token, once', async () => {
    seed();
    const warnings: string[] = [];
    const log: ConnectorLog = { info() {}, warn: (_f, m) => warnings.push(m) };
    const configured = fake.refreshToken;
    const h = harness();
    const instance = quickbooksConnector.create({ ...h.ctx, log });
    await instance.source!.pull(null);
    const rotated = fake.refreshToken;
    expect(rotated).not.toBe(configured);
    expect(warnings.some((w) => w.includes('must be persisted'))).toBe(true);
    expect(warnings.join(' ')).not.toContain(rotated);

    fake.expireAccessTokens();
    const page = await instance.source!.pull(null);
    expect(page.tenants).toHaveLength(2);
    const statuses = fake.requests.slice(-3).map((r) => r.path);
    expect(statuses).toEqual([
      `/v3/company/${fake.realmId}/query`,
      TOKEN_PATH,
      `/v3/company/${fake.realmId}/query`,
    ]);
    // The second refresh used the token QuickBooks handed out the first time.
    expect(tokenRequests()[1]!.form.refresh_token).toBe(rotated);
    expect(fake.refreshes).toBe(2);
  });

  it('the API refuses an unknown or expired token with the AuthenticationFault shape', async () => {
    const res = await fetch(
      `${fake.url}/v3/company/${fake.realmId}/query?query=select%20*%20from%20Customer`,
      { headers: { authorization: 'Bearer not-a-token' } },
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      Fault: {
        type: 'AuthenticationFault',
        Error: [{ code: '3200', Message: expect.stringContaining('AuthenticationFailed') }],
      },
    });
  });

  it('a spent refresh token is refused with invalid_grant and the pull fails saying so', async () => {
    const h = harness({ ARREARS_QUICKBOOKS_REFRESH_TOKEN: 'RT1-spent' });
    await expect(h.instance.source!.pull(null)).rejects.toThrow(/invalid_grant/);
  });
});

describe('quickbooks connector: source (full pull by query pages, then CDC)', () => {
  it('maps customers, invoices and payments into namespaced tenants, leases and ledger entries', async () => {
    seed();
    const { pages, cursor } = await pullAll(harness().instance.source!);
    const all = <K extends 'tenants' | 'leases' | 'ledger'>(k: K) =>
      pages.flatMap((p) => p[k] ?? []);
    expect(all('tenants')).toEqual([
      {
        id: 'qbo-cust-58',
        name: 'Ana Ruiz',
        email: 'ana@example.com',
        phone: '+14155550101',
        address: {
          line1: '12 Oak Court',
          city: 'San Francisco',
          region: 'CA',
          postalCode: '94110',
          country: 'US',
        },
      },
      { id: 'qbo-cust-59', name: 'Ben Ode' },
    ]);
    expect(all('leases')).toEqual([
      {
        id: 'qbo-lease-58',
        propertyId: 'P1',
        tenantIds: ['qbo-cust-58'],
        status: 'active',
        sourceId: 'quickbooks',
      },
      {
        id: 'qbo-lease-59',
        propertyId: 'P1',
        tenantIds: ['qbo-cust-59'],
        status: 'former',
        sourceId: 'quickbooks',
      },
    ]);
    const ledger = all('ledger');
    expect(ledger).toContainEqual({
      id: 'qbo-inv-100',
      leaseId: 'qbo-lease-58',
      date: '2026-10-01',
      type: 'charge',
      category: 'rent',
      amountCents: 150000,
      dueDate: '2026-10-01',
      memo: 'QuickBooks invoice 1001',
    });
    expect(ledger).toContainEqual(
      expect.objectContaining({ id: 'qbo-inv-101', category: 'fee', amountCents: 7500 }),
    );
    expect(ledger).toContainEqual({
      id: 'qbo-pay-103',
      leaseId: 'qbo-lease-59',
      date: '2026-10-02',
      type: 'payment',
      amountCents: 90000,
      appliesTo: 'qbo-inv-102',
    });
    expect(pages.flatMap((p) => p.balances ?? [])).toEqual([
      { leaseId: 'qbo-lease-58', balanceCents: 157500 },
      { leaseId: 'qbo-lease-59', balanceCents: 0 },
    ]);
    expect(decodeCursor(cursor)).toMatchObject({ mode: 'cdc' });
  });

  it('pages with STARTPOSITION / MAXRESULTS until a page comes back short, entity by entity', async () => {
    seed();
    fake.addCustomer({ Id: '60', DisplayName: 'Cy Diaz' });
    const { pages } = await pullAll(
      harness({ ARREARS_QUICKBOOKS_MAX_RESULTS: '2' }).instance.source!,
    );
    const queries = apiRequests().map((r) => r.query.get('query'));
    expect(queries).toEqual([
      'select * from Customer ORDERBY Id STARTPOSITION 1 MAXRESULTS 2',
      'select * from Customer ORDERBY Id STARTPOSITION 3 MAXRESULTS 2',
      'select * from Invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 2',
      'select * from Invoice ORDERBY Id STARTPOSITION 3 MAXRESULTS 2',
      'select * from Payment ORDERBY Id STARTPOSITION 1 MAXRESULTS 2',
    ]);
    expect(pages.map((p) => p.more)).toEqual([true, true, true, true, false]);
    expect(pages.map((p) => (p.tenants?.length ?? 0) + (p.ledger?.length ?? 0))).toEqual([
      2, 1, 2, 1, 1,
    ]);
    // Each page's cursor says where the next one starts.
    expect(decodeCursor(pages[0]!.cursor)).toMatchObject({
      mode: 'full',
      entity: 'Customer',
      start: 3,
    });
  });

  it('pulls changes since the cursor through CDC, with the current balance of every customer touched', async () => {
    const { rent } = seed();
    clock.advance(10 * MINUTE);
    const source = harness().instance.source!;
    const { cursor } = await pullAll(source);
    const since = decodeCursor(cursor)!.since;
    // The server's time when the full pull began, less a minute of overlap.
    expect(since).toBe(new Date(START + 9 * MINUTE).toISOString());
    const before = fake.requests.length;
    clock.advance(10 * MINUTE);

    const payment = fake.addPayment({
      customerId: '58',
      amount: 1500,
      txnDate: '2026-10-12',
      invoiceIds: [String(rent.Id)],
    });
    const page = await source.pull(cursor);
    const calls = fake.requests.slice(before).filter((r) => r.path.startsWith('/v3/'));
    expect(calls[0]!.path).toBe(`/v3/company/${fake.realmId}/cdc`);
    expect(calls[0]!.query.get('entities')).toBe('Customer,Invoice,Payment');
    expect(calls[0]!.query.get('changedSince')).toBe(since);
    expect(calls[1]!.query.get('query')).toBe(
      "select * from Customer where Id in ('58') MAXRESULTS 1000",
    );
    expect(page.more).toBe(false);
    expect(page.ledger).toContainEqual({
      id: `qbo-pay-${payment.Id}`,
      leaseId: 'qbo-lease-58',
      date: '2026-10-12',
      type: 'payment',
      amountCents: 150000,
      appliesTo: `qbo-inv-${rent.Id}`,
    });
    // The paid invoice came back too (its balance changed); unchanged ones did not.
    expect(page.ledger!.map((e) => e.id).sort()).toEqual([
      `qbo-inv-${rent.Id}`,
      `qbo-pay-${payment.Id}`,
    ]);
    expect(page.balances).toEqual([{ leaseId: 'qbo-lease-58', balanceCents: 7500 }]);
    expect(decodeCursor(page.cursor)!.since).toBe(new Date(clock.now() - MINUTE).toISOString());
  });

  it('a voided payment becomes a reversal; a cursor older than 30 days starts a full pull again', async () => {
    const { benPaid } = seed();
    const source = harness().instance.source!;
    const { cursor } = await pullAll(source);
    clock.advance(10 * MINUTE);
    fake.voidPayment(String(benPaid.Id));
    const page = await source.pull(cursor);
    expect(page.ledger).toContainEqual(
      expect.objectContaining({
        id: `qbo-pay-${benPaid.Id}-void`,
        type: 'reversal',
        reverses: `qbo-pay-${benPaid.Id}`,
      }),
    );

    const old = JSON.stringify({
      mode: 'cdc',
      since: new Date(clock.now() - 31 * 86_400_000).toISOString(),
    });
    const before = fake.requests.length;
    const again = await source.pull(old);
    expect(fake.requests.slice(before).some((r) => r.path.endsWith('/cdc'))).toBe(false);
    expect(again.tenants).toHaveLength(2);
    expect(decodeCursor(again.cursor)).toMatchObject({ mode: 'full', entity: 'Invoice' });
  });

  it('a record not shaped as documented stops the pull with an InputError naming it', async () => {
    fake.addCustomer({ Id: '70', DisplayName: 'Odd', Active: 'yes' } as never);
    const error = await harness()
      .instance.source!.pull(null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]!.path).toBe('Customer 70.Active');
  });
});

describe('quickbooks connector: throttling and server errors', () => {
  it('retries a 429 that says when, then succeeds', async () => {
    seed();
    fake.throttleNext(1, { 'retry-after': '0' });
    const page = await harness().instance.source!.pull(null);
    expect(page.tenants).toHaveLength(2);
    expect(apiRequests()).toHaveLength(2);
  });

  it("a 429 without Retry-After means Intuit's 60 s: the pull stops with the throttling fault", async () => {
    seed();
    fake.throttleNext(1);
    await expect(harness().instance.source!.pull(null)).rejects.toThrow(
      /429: SystemFault 3001 .*ThrottleExceeded.*wait 60 s/,
    );
  });

  it('retries a 5xx on a read, then succeeds', async () => {
    seed();
    fake.fault(2, { status: 503, path: /\/query$/ });
    const page = await harness().instance.source!.pull(null);
    expect(page.leases).toHaveLength(2);
    expect(apiRequests()).toHaveLength(3);
  });
});

describe('quickbooks connector: webhook', () => {
  const notification = (realmId = fake.realmId) =>
    JSON.stringify({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              {
                name: 'Invoice',
                id: '130',
                operation: 'Update',
                lastUpdated: '2026-05-01T10:00:00.000Z',
              },
              {
                name: 'Payment',
                id: '131',
                operation: 'Create',
                lastUpdated: '2026-05-01T10:00:00.000Z',
              },
            ],
          },
        },
      ],
    });

  async function post(
    body: string,
    signature: string | undefined,
    over: Record<string, string> = {},
  ) {
    const app = await harness(over).webhookApp();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== undefined) headers['intuit-signature'] = signature;
    return {
      app,
      res: await app.inject({
        method: 'POST',
        url: '/webhooks/quickbooks',
        payload: body,
        headers,
      }),
    };
  }

  it('accepts a notification signed base64 HMAC-SHA256(verifier token, raw body), once', async () => {
    const body = notification();
    const signature = signIntuit(fake.verifierToken, body);
    // The documented algorithm, computed independently.
    const { createHmac } = await import('node:crypto');
    expect(signature).toBe(createHmac('sha256', fake.verifierToken).update(body).digest('base64'));
    const { app, res } = await post(body, signature);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: true, changes: 2 });
    const again = await app.inject({
      method: 'POST',
      url: '/webhooks/quickbooks',
      payload: body,
      headers: { 'content-type': 'application/json', 'intuit-signature': signature },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true });
  });

  it('accepts CloudEvents, deduplicated on their ids', async () => {
    const body = JSON.stringify([
      {
        specversion: '1.0',
        id: 'ce-1',
        source: 'intuit.qbo',
        type: 'qbo.invoice.updated.v1',
        datacontenttype: 'application/json',
        time: '2026-05-01T10:00:00Z',
        intuitentityid: '130',
        intuitaccountid: fake.realmId,
      },
    ]);
    const { res } = await post(body, fake.sign(body));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ eventId: 'ce:ce-1', changes: 1 });
  });

  it('refuses a forged or a tampered notification (401), and any while no verifier token is set (503)', async () => {
    const body = notification();
    expect((await post(body, signIntuit('not-the-token', body))).res.statusCode).toBe(401);
    expect((await post(body.replace('130', '131'), fake.sign(body))).res.statusCode).toBe(401);
    expect((await post(body, undefined)).res.statusCode).toBe(401);
    expect(
      (await post(body, fake.sign(body), { ARREARS_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: '' })).res
        .statusCode,
    ).toBe(503);
  });

  it('the fake posts a signed notification the connector accepts', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await fake.notify(`${url}/webhooks/quickbooks`, [
        { name: 'Customer', id: '58', operation: 'Update' },
      ]);
      expect(res.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

function caseEvent(over: Partial<CaseEvent['event']> = {}, leaseId = 'qbo-lease-58'): CaseEvent {
  return {
    event: {
      id: 'evt_default_7',
      event: 'case.opened',
      occurredAt: '2026-10-10T16:00:00.000Z',
      leaseId,
      caseEpisode: 1,
      openedOn: '2026-10-02',
      policyId: 'residential-ca',
      policyVersion: 1,
      ...over,
    } as CaseEvent['event'],
    context: {
      leaseId,
      unit: '',
      tenant: { id: 'qbo-cust-58', name: 'Ana Ruiz', email: 'ana@example.com', phone: null },
      property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
      balanceCents: 157500,
    },
  };
}

describe('quickbooks connector: sink (case status in Customer.Notes)', () => {
  it('reads the customer, then a sparse update of Notes keeping the staff lines', async () => {
    seed();
    const sink = harness().instance.sink!;
    expect(await sink.apply(caseEvent())).toEqual({ ok: true });
    const [read, update] = apiRequests();
    expect(read!.method).toBe('GET');
    expect(read!.path).toBe(`/v3/company/${fake.realmId}/customer/58`);
    expect(update!.method).toBe('POST');
    expect(update!.path).toBe(`/v3/company/${fake.realmId}/customer`);
    expect(update!.query.get('minorversion')).toBe('75');
    expect(update!.query.get('requestid')).toMatch(/^[0-9a-f]{36}$/);
    expect(update!.json).toEqual({
      Id: '58',
      SyncToken: '0',
      Notes: 'Prefers texts\nArrears: open $1,575.00',
      sparse: true,
    });

    await sink.apply(
      caseEvent({
        id: 'evt_default_9',
        event: 'action.sent',
        stage: 'late-fee',
        key: 'k',
      } as never),
    );
    expect(fake.customers.get('58')!.Notes).toBe('Prefers texts\nArrears: open $1,575.00 late-fee');
    await sink.apply({
      ...caseEvent({ id: 'evt_default_12', event: 'case.closed', outcome: 'paid' } as never),
      context: { ...caseEvent().context!, balanceCents: 0 },
    });
    expect(fake.customers.get('58')!.Notes).toBe('Prefers texts\nArrears: closed $0.00 paid');
  });

  it('the same event twice writes once; leases of other sources are left alone', async () => {
    seed();
    const sink = harness().instance.sink!;
    await sink.apply(caseEvent());
    const writes = () => apiRequests().filter((r) => r.method === 'POST').length;
    expect(writes()).toBe(1);
    expect(await sink.apply(caseEvent())).toEqual({ ok: true });
    expect(writes()).toBe(1);
    const before = fake.requests.length;
    expect(await sink.apply(caseEvent({}, 'L1'))).toEqual({ ok: true });
    expect(fake.requests.length).toBe(before);
  });

  it('a stale SyncToken (5010) reads the customer again and succeeds', async () => {
    seed();
    const sink = harness().instance.sink!;
    // Someone edits the customer between our read and our write.
    fake.fault(1, {
      status: 400,
      path: /\/customer$/,
      body: {
        Fault: {
          Error: [{ Message: 'Stale Object Error', Detail: 'stale', code: '5010' }],
          type: 'ValidationFault',
        },
      },
    });
    expect(await sink.apply(caseEvent())).toEqual({ ok: true });
    expect(apiRequests().map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'POST']);
  });

  it('a customer QuickBooks does not know is a refusal to skip; a 5xx holds the cursor', async () => {
    const sink = harness().instance.sink!;
    expect(await sink.apply(caseEvent())).toMatchObject({ ok: false, retryable: false });
    seed();
    fake.fault(4, { status: 503, path: /\/customer\// });
    expect(await sink.apply(caseEvent())).toMatchObject({ ok: false, retryable: true });
  });
});

const feeItem = (fields: Record<string, string> = { type: 'fee', amountCents: '7500' }) =>
  outboxItem({
    key: 'qbo-lease-58:1:late-fee:qbo-fee',
    leaseId: 'qbo-lease-58',
    type: 'writeback',
    channel: null,
    contactId: 'qbo-cust-58',
    stage: 'late-fee',
    action: 'qbo-fee',
    payload: { date: '2026-10-06', target: 'quickbooks', fields },
  });

describe('quickbooks connector: writeback:quickbooks (fee invoice)', () => {
  it('creates the invoice with the documented fields, and a repeat finds it instead of creating another', async () => {
    seed();
    const h = harness();
    const outcome = await h.send('writeback:quickbooks', feeItem());
    expect(outcome).toMatchObject({ tag: 'accepted' });
    const create = apiRequests().find((r) => r.method === 'POST')!;
    expect(create.path).toBe(`/v3/company/${fake.realmId}/invoice`);
    expect(create.query.get('requestid')).toMatch(/^[0-9a-f]{36}$/);
    expect(create.json).toEqual({
      CustomerRef: { value: '58' },
      DocNumber: expect.stringMatching(/^ARR-[0-9a-f]{16}$/),
      TxnDate: '2026-10-06',
      DueDate: '2026-10-06',
      PrivateNote: 'Arrears qbo-lease-58:1:late-fee:qbo-fee',
      Line: [
        {
          Amount: 75,
          DetailType: 'SalesItemLineDetail',
          Description: 'Late fee',
          SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 75 },
        },
      ],
    });
    const again = await h.send('writeback:quickbooks', feeItem());
    expect(again).toEqual(outcome);
    expect(apiRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
    // The next sync brings it back as a fee charge.
    const { pages } = await pullAll(h.instance.source!);
    const externalId = (outcome as { externalId: string }).externalId;
    expect(pages.flatMap((p) => p.ledger ?? [])).toContainEqual(
      expect.objectContaining({ id: `qbo-inv-${externalId}`, category: 'fee', amountCents: 7500 }),
    );
  });

  it('refuses items that are not fees or not QuickBooks leases, and maps QuickBooks refusals', async () => {
    seed();
    const h = harness();
    expect(await h.send('writeback:quickbooks', feeItem({ status: 'late' }))).toMatchObject({
      tag: 'rejected',
      code: 'not_a_fee',
    });
    expect(await h.send('writeback:quickbooks', { ...feeItem(), leaseId: 'L1' })).toMatchObject({
      tag: 'rejected',
      code: 'not_a_quickbooks_lease',
    });
    expect(
      await h.send('writeback:quickbooks', { ...feeItem(), leaseId: 'qbo-lease-999' }),
    ).toMatchObject({ tag: 'rejected', code: '2500' });
  });

  it('the fake refuses an invoice without CustomerRef the way QuickBooks does (400 ValidationFault 2020)', async () => {
    seed();
    await harness().instance.verify(); // obtains a token
    const bearer = apiRequests()[0]!.headers.authorization as string;
    const res = await fetch(`${fake.url}/v3/company/${fake.realmId}/invoice?minorversion=75`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ Line: [{ Amount: 75, DetailType: 'SalesItemLineDetail' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      Fault: { type: 'ValidationFault', Error: [{ code: '2020', element: 'CustomerRef' }] },
    });
  });

  it('a 429 without Retry-After becomes retry_after in 60 s', async () => {
    seed();
    fake.throttleNext(1);
    const outcome = await harness().send('writeback:quickbooks', feeItem());
    expect(outcome.tag).toBe('retry_after');
    const at = Date.parse((outcome as { at: string }).at);
    expect(at - clock.now()).toBe(60_000);
  });
});
