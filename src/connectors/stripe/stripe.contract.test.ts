import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { CaseContext } from '../../app/write-back.js';
import type { PublicEvent } from '../../app/publish-events.js';
import { startStripeFake, type StripeFake } from './fake-server.js';
import { stripeConnector, type StripeInstance } from './index.js';
import type { StripeCustomer } from './map.js';

const KEY = 'sk_test_51ArrearsContractKey0000';
const WHSEC = 'whsec_arrears_contract_secret';
const T0 = Date.parse('2026-10-06T16:00:00Z');
const T0S = T0 / 1000;
const DAY = 86_400;

let fake: StripeFake;
let clock: ReturnType<typeof fixedClock>;
beforeEach(async () => {
  clock = fixedClock(T0);
  fake = await startStripeFake({ apiKey: KEY, webhookSecret: WHSEC, now: () => clock.now() });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}) {
  return connectorHarness(
    stripeConnector,
    {
      ARREARS_STRIPE_API_KEY: KEY,
      ARREARS_STRIPE_WEBHOOK_SECRET: WHSEC,
      ARREARS_STRIPE_PROPERTY_ID: 'P1',
      ARREARS_STRIPE_BASE_URL: fake.url,
      ...over,
    },
    { clock },
  );
}
const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);
const lastQuery = (path: string) =>
  Object.fromEntries(fake.requests.filter((r) => r.path === path).at(-1)!.query);

function addAna(): StripeCustomer {
  return fake.addCustomer({
    name: 'Ana Ruiz',
    email: ANA.email,
    phone: ANA.phone,
    metadata: { unit: '12B', rent_cents: '120000' },
  });
}

/** September paid, October open, a voided correction and a draft. */
function anaWithInvoices() {
  const ana = addAna();
  const sep = fake.addInvoice(ana.id, { created: T0S - 40 * DAY, due_date: T0S - 35 * DAY });
  clock.set(T0 - 34 * DAY * 1000);
  const payment = fake.pay(sep.id);
  clock.set(T0);
  const oct = fake.addInvoice(ana.id, { created: T0S - 10 * DAY, due_date: T0S - 5 * DAY });
  const wrong = fake.addInvoice(ana.id, {
    created: T0S - 9 * DAY,
    amount_due: 5_000,
    status: 'void',
    status_transitions: { finalized_at: T0S - 9 * DAY, voided_at: T0S - 8 * DAY },
  });
  fake.addInvoice(ana.id, { status: 'draft', amount_due: 7_500 });
  return { ana, sep, payment, oct, wrong };
}

const writeback = (leaseId: string, fields: Record<string, string>) =>
  outboxItem({
    key: `${leaseId}:1:collect:stripe`,
    leaseId,
    stage: 'collect',
    action: 'stripe',
    type: 'writeback',
    channel: null,
    payload: { date: '2026-10-06', target: 'stripe', fields },
  });

describe('stripe connector: manifest and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(stripeConnector)).toEqual([]);
  });

  it('verify() lists one customer with the key, and fails for a key Stripe refuses', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(calls()).toEqual(['GET /v1/customers']);
    expect(lastQuery('/v1/customers')).toEqual({ limit: '1' });
    const bad = await harness({
      ARREARS_STRIPE_API_KEY: 'sk_test_wrong_key_1234',
    }).instance.verify();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain('401');
    expect(bad.detail).toContain('Invalid API Key provided');
    expect(bad.detail).not.toContain('sk_test_wrong_key_1234');
  });
});

describe('stripe connector: source (customers, invoices, invoice payments)', () => {
  it('a full pull: the customer as tenant and lease, invoices as charges, payments, balance', async () => {
    const { ana, sep, payment, oct, wrong } = anaWithInvoices();
    const page = await harness().instance.source!.pull(null);
    const lease = `stripe-lease-${ana.id}`;
    expect(page).toEqual({
      tenants: [{ id: `stripe-${ana.id}`, name: 'Ana Ruiz', email: ANA.email, phone: ANA.phone }],
      leases: [
        {
          id: lease,
          propertyId: 'P1',
          unit: '12B',
          tenantIds: [`stripe-${ana.id}`],
          rentCents: 120000,
          sourceId: 'stripe',
        },
      ],
      ledger: expect.arrayContaining([
        {
          id: `stripe-${sep.id}`,
          leaseId: lease,
          date: '2026-08-27',
          type: 'charge',
          category: 'rent',
          amountCents: 120000,
          dueDate: '2026-09-01',
        },
        {
          id: `stripe-${payment.id}`,
          leaseId: lease,
          date: '2026-09-02',
          type: 'payment',
          amountCents: 120000,
          appliesTo: `stripe-${sep.id}`,
        },
        {
          id: `stripe-${oct.id}`,
          leaseId: lease,
          date: '2026-09-26',
          type: 'charge',
          category: 'rent',
          amountCents: 120000,
          dueDate: '2026-10-01',
        },
        expect.objectContaining({ id: `stripe-${wrong.id}`, type: 'charge', amountCents: 5000 }),
        {
          id: `stripe-${wrong.id}-void`,
          leaseId: lease,
          date: '2026-09-28',
          type: 'reversal',
          amountCents: 5000,
          reverses: `stripe-${wrong.id}`,
        },
      ]),
      balances: [{ leaseId: lease, balanceCents: 120000 }],
      cursor: `events:${T0S - 300}`,
      more: false,
    });
    expect(page.ledger).toHaveLength(5); // the draft is not owed
    expect(calls()).toEqual([
      'GET /v1/customers',
      'GET /v1/invoices',
      'GET /v1/invoice_payments', // only the invoice that took a payment
    ]);
    expect(lastQuery('/v1/customers')).toEqual({ limit: '25' });
    expect(lastQuery('/v1/invoices')).toEqual({ limit: '100', customer: ana.id });
    expect(lastQuery('/v1/invoice_payments')).toEqual({
      limit: '100',
      invoice: sep.id,
      status: 'paid',
    });
    for (const r of fake.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.headers['stripe-version']).toBe('2025-03-31.basil');
    }
  });

  it('pages customers with starting_after and invoices with has_more', async () => {
    const ana = addAna();
    for (let i = 0; i < 26; i++) fake.addCustomer({ name: `Tenant ${i}` });
    for (let i = 0; i < 101; i++)
      fake.addInvoice(ana.id, { created: T0S - (200 - i) * DAY, amount_due: 100 });
    const h = harness();
    const first = await h.instance.source!.pull(null);
    expect(first.tenants).toHaveLength(25);
    expect(first.more).toBe(true);
    const newest25 = [...fake.customers.values()].slice(-25);
    expect(first.cursor).toBe(`full:${T0S}:${newest25[0]!.id}`);
    const second = await h.instance.source!.pull(first.cursor);
    expect(second.tenants!.map((t) => t.id)).toEqual([
      `stripe-${[...fake.customers.values()][1]!.id}`,
      `stripe-${ana.id}`,
    ]);
    expect(second.more).toBe(false);
    expect(second.cursor).toBe(`events:${T0S - 300}`);
    // Ana's 101 invoices: two pages, the second after the first page's last invoice.
    const anaPages = fake.requests.filter(
      (r) => r.path === '/v1/invoices' && r.query.get('customer') === ana.id,
    );
    expect(anaPages).toHaveLength(2);
    expect(anaPages[1]!.query.get('starting_after')).toMatch(/^in_/);
    expect(second.ledger).toHaveLength(101);
    expect(second.balances).toEqual([
      { leaseId: `stripe-lease-${[...fake.customers.keys()][1]!}`, balanceCents: 0 },
      { leaseId: `stripe-lease-${ana.id}`, balanceCents: 10100 },
    ]);
  });

  it('incremental: the Events API since the cursor names the customers to read again', async () => {
    const { ana, oct } = anaWithInvoices();
    fake.addCustomer({ name: 'Bo Unchanged' });
    const h = harness();
    clock.set(T0 + 3_600_000);
    const full = await h.instance.source!.pull(null);
    expect(full.tenants).toHaveLength(2);
    expect(full.cursor).toBe(`events:${T0S + 3600 - 300}`);

    clock.advance(3_600_000);
    fake.requests.length = 0;
    const paid = fake.pay(oct.id);
    const page = await h.instance.source!.pull(full.cursor);
    expect(calls()).toEqual([
      'GET /v1/events',
      `GET /v1/customers/${ana.id}`,
      'GET /v1/invoices',
      'GET /v1/invoice_payments',
      'GET /v1/invoice_payments',
    ]);
    const events = fake.requests[0]!;
    expect(events.query.get('created[gt]')).toBe(String(T0S + 3600 - 300));
    expect(events.query.getAll('types[]')).toEqual([
      'customer.created',
      'customer.updated',
      'customer.deleted',
      'invoice.finalized',
      'invoice.updated',
      'invoice.paid',
      'invoice.payment_succeeded',
      'invoice.payment_failed',
      'invoice.voided',
      'invoice.marked_uncollectible',
    ]);
    expect(page.tenants!.map((t) => t.id)).toEqual([`stripe-${ana.id}`]);
    expect(page.ledger).toContainEqual(
      expect.objectContaining({ id: `stripe-${paid.id}`, type: 'payment', amountCents: 120000 }),
    );
    expect(page.balances).toEqual([{ leaseId: `stripe-lease-${ana.id}`, balanceCents: 0 }]);
    // The newest event is a second old: that second is read once more.
    const paidAt = T0S + 7200;
    expect(page).toMatchObject({ cursor: `events:${paidAt - 1}`, more: false });

    clock.advance(120_000);
    const again = await h.instance.source!.pull(page.cursor);
    expect(again.cursor).toBe(`events:${paidAt}`);
    fake.requests.length = 0;
    const quiet = await h.instance.source!.pull(again.cursor);
    expect(quiet).toEqual({
      tenants: [],
      leases: [],
      ledger: [],
      balances: [],
      cursor: again.cursor,
      more: false,
    });
    expect(calls()).toEqual(['GET /v1/events']);
  });

  it('pages events newest first and lands the cursor on the newest event of the batch', async () => {
    clock.set(T0 - 200_000);
    const ana = addAna();
    const since = T0S - DAY;
    for (let i = 0; i < 101; i++) {
      clock.set(T0 - (101 - i) * 1000);
      fake.addEvent('customer.updated', ana);
    }
    clock.set(T0 + 600_000);
    const h = harness();
    const first = await h.instance.source!.pull(`events:${since}`);
    expect(first.more).toBe(true);
    expect(first.tenants).toHaveLength(1); // 100 events, one customer read once
    const lastOfPage = [...fake.events].sort((a, b) => b.created - a.created)[99]!.id;
    expect(first.cursor).toBe(`events:${since}:${T0S - 1}:${lastOfPage}`);
    const second = await h.instance.source!.pull(first.cursor);
    const pages = fake.requests.filter((r) => r.path === '/v1/events');
    expect(pages.map((r) => r.query.get('starting_after'))).toEqual([null, lastOfPage]);
    expect(pages.map((r) => r.query.get('created[gt]'))).toEqual([String(since), String(since)]);
    expect(second).toMatchObject({ cursor: `events:${T0S - 1}`, more: false });
  });

  it('an event about a customer Stripe no longer has does not hold the sync', async () => {
    fake.addEvent('customer.updated', { id: 'cus_purged', object: 'customer' });
    const page = await harness().instance.source!.pull(`events:${T0S - 60}`);
    expect(calls()).toEqual(['GET /v1/events', 'GET /v1/customers/cus_purged']);
    expect(page).toMatchObject({ tenants: [], more: false });
  });

  it('a cursor older than the 30 days of events Stripe keeps starts a full pull', async () => {
    addAna();
    const page = await harness().instance.source!.pull(`events:${T0S - 31 * DAY}`);
    expect(calls()[0]).toBe('GET /v1/customers');
    expect(page.cursor).toBe(`events:${T0S - 300}`);
  });

  it('a deleted customer and one without a property bring nothing; no metadata, no unit or rent', async () => {
    const gone = addAna();
    fake.deleteCustomer(gone.id);
    fake.addCustomer({ name: 'Nowhere' });
    const placed = fake.addCustomer({ name: 'Elsewhere', metadata: { arrears_property_id: 'P7' } });
    const page = await harness({ ARREARS_STRIPE_PROPERTY_ID: undefined }).instance.source!.pull(
      null,
    );
    expect(page.leases).toEqual([
      {
        id: `stripe-lease-${placed.id}`,
        propertyId: 'P7',
        tenantIds: [`stripe-${placed.id}`],
        sourceId: 'stripe',
      },
    ]);
  });

  it('retries a 429 (no Retry-After: backoff) and a 5xx on reads, then succeeds', async () => {
    addAna();
    fake.rateLimitNext(1);
    fake.failNext(
      1,
      500,
      {},
      { error: { type: 'api_error', message: 'An unknown error occurred' } },
    );
    const page = await harness().instance.source!.pull(null);
    expect(page.tenants).toHaveLength(1);
    expect(calls().slice(0, 3)).toEqual([
      'GET /v1/customers',
      'GET /v1/customers',
      'GET /v1/customers',
    ]);
    expect(fake.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('a read refused for good throws the provider code; the sync keeps its cursor', async () => {
    await expect(
      harness({ ARREARS_STRIPE_API_KEY: 'sk_test_revoked_0000' }).instance.source!.pull(null),
    ).rejects.toMatchObject({ name: 'StripeApiError', status: 401, retryable: true });
  });
});

describe('stripe connector: writeback:stripe (retry payment, re-send invoice)', () => {
  it('retry_payment pays the oldest open invoice with the outbox key as Idempotency-Key', async () => {
    const ana = addAna();
    const older = fake.addInvoice(ana.id, { created: T0S - 40 * DAY, due_date: T0S - 35 * DAY });
    fake.addInvoice(ana.id, { created: T0S - 10 * DAY, due_date: T0S - 5 * DAY });
    const item = writeback(`stripe-lease-${ana.id}`, { action: 'retry_payment' });
    const outcome = await harness().send('writeback:stripe', item);
    expect(outcome).toEqual({ tag: 'accepted', externalId: older.id });
    const post = fake.requests.at(-1)!;
    expect(`${post.method} ${post.path}`).toBe(`POST /v1/invoices/${older.id}/pay`);
    expect(post.headers['idempotency-key']).toBe(item.key);
    expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post.raw.toString()).toBe('');
    expect(lastQuery('/v1/invoices')).toEqual({ limit: '100', customer: ana.id, status: 'open' });
    expect(fake.invoices.get(older.id)!.status).toBe('paid');
  });

  it('the same item sent again is replayed by Stripe, not charged twice', async () => {
    const ana = addAna();
    const inv = fake.addInvoice(ana.id);
    const item = writeback(`stripe-lease-${ana.id}`, { action: 'retry_payment', invoice: inv.id });
    const h = harness();
    expect(await h.send('writeback:stripe', item)).toEqual({ tag: 'accepted', externalId: inv.id });
    expect(await h.send('writeback:stripe', item)).toEqual({ tag: 'accepted', externalId: inv.id });
    expect(fake.invoicePayments.size).toBe(1);
  });

  it('resend_invoice sends the invoice again; a lease found by its tenant e-mail', async () => {
    const ana = addAna();
    const inv = fake.addInvoice(ana.id);
    const outcome = await harness().send(
      'writeback:stripe',
      writeback('L1', { action: 'resend_invoice' }),
    );
    expect(outcome).toEqual({ tag: 'accepted', externalId: inv.id });
    expect(calls()).toEqual([
      'GET /v1/customers/search',
      'GET /v1/customers',
      'GET /v1/invoices',
      `POST /v1/invoices/${inv.id}/send`,
    ]);
    expect(lastQuery('/v1/customers/search')).toEqual({
      limit: '2',
      query: "metadata['arrears_lease_id']:'L1'",
    });
    expect(lastQuery('/v1/customers')).toEqual({ limit: '2', email: ANA.email });
  });

  it("a declined card and Stripe's refusals fail the item with Stripe's code", async () => {
    const ana = addAna();
    const lease = `stripe-lease-${ana.id}`;
    const auto = fake.addInvoice(ana.id, { collection_method: 'charge_automatically' });
    fake.declineNext = true;
    const h = harness();
    expect(await h.send('writeback:stripe', writeback(lease, { action: 'retry_payment' }))).toEqual(
      {
        tag: 'rejected',
        code: 'card_declined',
        reason: 'Your card has insufficient funds. (insufficient_funds)',
      },
    );
    expect(
      await h.send('writeback:stripe', {
        ...writeback(lease, { action: 'resend_invoice', invoice: auto.id }),
        key: 'k2',
      }),
    ).toMatchObject({ tag: 'rejected', code: 'invalid_request_error' });
    expect(
      await h.send('writeback:stripe', {
        ...writeback(lease, { action: 'retry_payment', invoice: 'in_missing' }),
        key: 'k3',
      }),
    ).toEqual({
      tag: 'rejected',
      code: 'resource_missing',
      reason: "No such invoice: 'in_missing' [param id]",
    });
  });

  it('an unknown action or a lease with nothing open is refused before calling Stripe', async () => {
    const ana = addAna();
    const h = harness();
    expect(
      await h.send('writeback:stripe', writeback(`stripe-lease-${ana.id}`, { action: 'refund' })),
    ).toMatchObject({ tag: 'rejected', code: 'unsupported_action' });
    expect(
      await h.send(
        'writeback:stripe',
        writeback(`stripe-lease-${ana.id}`, { action: 'retry_payment' }),
      ),
    ).toMatchObject({ tag: 'rejected', code: 'no_open_invoice' });
    expect(calls()).toEqual(['GET /v1/invoices']);
  });

  it('a request missing a required parameter is refused the Stripe way', async () => {
    const res = await fetch(`${fake.url}/v1/customers/search`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: 'query',
        message: 'Missing required param: query.',
      },
    });
  });

  it('bad credentials: 401 in Stripe’s shape, the item waits for the key to be fixed', async () => {
    const ana = addAna();
    const inv = fake.addInvoice(ana.id);
    const outcome = await harness({ ARREARS_STRIPE_API_KEY: 'sk_test_wrong_key_9999' }).send(
      'writeback:stripe',
      writeback(`stripe-lease-${ana.id}`, { action: 'retry_payment', invoice: inv.id }),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: 'credentials refused: Invalid API Key provided: sk_test_**********9999',
    });
    expect(fake.invoices.get(inv.id)!.status).toBe('open');
  });

  it('429 then success, 5xx then success: retried under the same Idempotency-Key', async () => {
    const ana = addAna();
    const inv = fake.addInvoice(ana.id);
    const item = writeback(`stripe-lease-${ana.id}`, { action: 'retry_payment', invoice: inv.id });
    fake.rateLimitNext(1);
    fake.failNext(1, 502, {}, { error: { type: 'api_error', message: 'bad gateway' } });
    expect(await harness().send('writeback:stripe', item)).toEqual({
      tag: 'accepted',
      externalId: inv.id,
    });
    const keys = fake.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([item.key, item.key, item.key]);
    expect(fake.invoicePayments.size).toBe(1);
  });

  it('still rate limited after the retries: retryable', async () => {
    const ana = addAna();
    const inv = fake.addInvoice(ana.id);
    fake.rateLimitNext(4);
    const outcome = await harness().send(
      'writeback:stripe',
      writeback(`stripe-lease-${ana.id}`, { action: 'retry_payment', invoice: inv.id }),
    );
    expect(outcome).toMatchObject({
      tag: 'retryable',
      reason: expect.stringContaining('rate_limit'),
    });
  });
});

describe('stripe connector: case events on the customer metadata (sink)', () => {
  const context = (leaseId: string, balanceCents = 120000): CaseContext => ({
    leaseId,
    unit: '12B',
    tenant: { id: 'T1', name: 'Ana Ruiz', email: ANA.email, phone: ANA.phone },
    property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
    balanceCents,
  });
  const opened = (leaseId: string, seq = 12): PublicEvent => ({
    id: `evt_default_${seq}`,
    event: 'case.opened',
    occurredAt: '2026-10-06T16:00:00.000Z',
    leaseId,
    caseEpisode: 1,
    openedOn: '2026-10-06',
    policyId: 'oak-court',
    policyVersion: 1,
  });

  it('case.opened marks the customer delinquent with its balance, keyed on the event id', async () => {
    const ana = addAna();
    const lease = `stripe-lease-${ana.id}`;
    const sink = harness().instance.sink!;
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toEqual({
      ok: true,
    });
    const post = fake.requests.at(-1)!;
    expect(`${post.method} ${post.path}`).toBe(`POST /v1/customers/${ana.id}`);
    expect(post.headers['idempotency-key']).toBe('evt_default_12');
    expect(post.form).toEqual({
      'metadata[arrears_lease_id]': lease,
      'metadata[arrears_status]': 'delinquent',
      'metadata[arrears_balance_cents]': '120000',
    });
    expect(fake.customers.get(ana.id)!.metadata).toMatchObject({
      unit: '12B',
      arrears_status: 'delinquent',
    });
  });

  it('case.closed paid sets it current; a reply only moves the balance', async () => {
    const ana = addAna();
    const lease = `stripe-lease-${ana.id}`;
    const sink = harness().instance.sink!;
    await sink.apply({
      event: {
        id: 'evt_default_20',
        event: 'case.closed',
        occurredAt: '2026-10-12T16:00:00.000Z',
        leaseId: lease,
        caseEpisode: 1,
        closedOn: '2026-10-12',
        outcome: 'paid',
      },
      context: context(lease, 0),
    });
    expect(fake.requests.at(-1)!.form).toEqual({
      'metadata[arrears_lease_id]': lease,
      'metadata[arrears_status]': 'current',
      'metadata[arrears_balance_cents]': '0',
    });
    await sink.apply({
      event: {
        id: 'evt_default_21',
        event: 'reply.received',
        occurredAt: '2026-10-13T16:00:00.000Z',
        leaseId: lease,
        caseEpisode: 1,
        replyId: 'r1',
        channel: 'sms',
        intent: 'promise',
        status: 'matched',
      },
      context: context(lease, 0),
    });
    expect(fake.requests.at(-1)!.form).toEqual({
      'metadata[arrears_lease_id]': lease,
      'metadata[arrears_balance_cents]': '0',
    });
  });

  it('an event written twice is one write; its key reused with a newer balance stands as written', async () => {
    const ana = addAna();
    const lease = `stripe-lease-${ana.id}`;
    const sink = harness().instance.sink!;
    await sink.apply({ event: opened(lease), context: context(lease) });
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toEqual({
      ok: true,
    });
    expect(await sink.apply({ event: opened(lease), context: context(lease, 5) })).toEqual({
      ok: true,
    });
    expect(fake.customers.get(ana.id)!.metadata!.arrears_balance_cents).toBe('120000');
    expect(fake.events.filter((e) => e.type === 'customer.updated')).toHaveLength(1);
  });

  it('a lease that is not in Stripe is skipped; throttling holds the cursor', async () => {
    const sink = harness().instance.sink!;
    expect(
      await sink.apply({ event: opened('L9'), context: { ...context('L9'), tenant: null } }),
    ).toEqual({
      ok: true,
    });
    expect(calls()).toEqual(['GET /v1/customers/search']);
    const ana = addAna();
    fake.rateLimitNext(4);
    const lease = `stripe-lease-${ana.id}`;
    expect(await sink.apply({ event: opened(lease), context: context(lease) })).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it('a customer gone from Stripe is a refusal that will not pass: recorded and skipped', async () => {
    const sink = harness().instance.sink!;
    expect(
      await sink.apply({ event: opened('stripe-lease-cus_gone'), context: context('x') }),
    ).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringContaining('resource_missing'),
    });
  });
});

describe('stripe connector: pay links', () => {
  it("the hosted page of the lease's oldest open invoice, or null", async () => {
    const ana = addAna();
    const h = harness();
    const instance = h.instance as StripeInstance;
    expect(await instance.payLinkFor(`stripe-lease-${ana.id}`, null)).toBeNull();
    const inv = fake.addInvoice(ana.id);
    expect(await instance.payLinkFor(`stripe-lease-${ana.id}`, null)).toBe(
      `${fake.url}/i/${inv.id}`,
    );
  });
});

describe('stripe connector: /webhooks/stripe', () => {
  async function post(raw: string, headers: Record<string, string>, h = harness()) {
    const app = await h.webhookApp();
    try {
      return await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: raw, headers });
    } finally {
      await app.close();
    }
  }
  const event = () => {
    const ana = addAna();
    const inv = fake.addInvoice(ana.id);
    fake.pay(inv.id);
    return fake.events.at(-1)!;
  };
  /** The documented scheme, computed here independently of the connector. */
  const sign = (raw: string, t: number, secret = WHSEC) =>
    createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex');

  it('an event signed as documented is acknowledged with its id', async () => {
    const e = event();
    const raw = JSON.stringify(e);
    const res = await post(raw, {
      'content-type': 'application/json',
      'stripe-signature': `t=${T0S},v1=${sign(raw, T0S)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      received: true,
      duplicate: false,
      eventId: e.id,
      type: 'invoice.paid',
    });
  });

  it('any of several v1 signatures may match (a secret being rolled); v0 is ignored', async () => {
    const raw = JSON.stringify(event());
    const header = `t=${T0S},v1=${sign(raw, T0S, 'whsec_old')},v1=${sign(raw, T0S)},v0=abc`;
    const res = await post(raw, { 'content-type': 'application/json', 'stripe-signature': header });
    expect(res.statusCode).toBe(200);
  });

  it('a forged, a tampered, a stale and an unsigned event are refused with 401', async () => {
    const raw = JSON.stringify(event());
    const json = { 'content-type': 'application/json' };
    const forged = `t=${T0S},v1=${sign(raw, T0S, 'whsec_other')}`;
    expect((await post(raw, { ...json, 'stripe-signature': forged })).statusCode).toBe(401);
    const good = `t=${T0S},v1=${sign(raw, T0S)}`;
    const tampered = raw.replace('invoice.paid', 'invoice.voided');
    expect((await post(tampered, { ...json, 'stripe-signature': good })).statusCode).toBe(401);
    const old = T0S - 301;
    const stale = `t=${old},v1=${sign(raw, old)}`;
    expect((await post(raw, { ...json, 'stripe-signature': stale })).statusCode).toBe(401);
    const fresh = T0S - 299;
    expect(
      (await post(raw, { ...json, 'stripe-signature': `t=${fresh},v1=${sign(raw, fresh)}` }))
        .statusCode,
    ).toBe(200);
    expect((await post(raw, json)).statusCode).toBe(401);
  });

  it('the same event delivered twice is handled once', async () => {
    const s = fake.signed(event());
    const app = await harness().webhookApp();
    try {
      const inject = () =>
        app.inject({ method: 'POST', url: '/webhooks/stripe', payload: s.raw, headers: s.headers });
      expect((await inject()).json()).toMatchObject({ duplicate: false });
      expect((await inject()).json()).toMatchObject({ duplicate: true });
    } finally {
      await app.close();
    }
  });

  it('with no webhook secret configured every event is refused (503)', async () => {
    const s = fake.signed(event());
    const res = await post(s.raw, s.headers, harness({ ARREARS_STRIPE_WEBHOOK_SECRET: undefined }));
    expect(res.statusCode).toBe(503);
  });
});
