import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { DataSourcePort, SourcePage } from '../../app/ports/sources.js';
import { portfolioFromValue } from '../../domain/portfolio/read.js';
import { BuildiumError } from './client.js';
import {
  leaseRecord,
  rental,
  startBuildiumFake,
  tenantRecord,
  transaction,
  type BuildiumFake,
} from './fake-server.js';
import { buildiumConnector } from './index.js';
import { decodeCursor } from './source.js';

const CLIENT_ID = 'bld-client-7f3a';
const CLIENT_SECRET = 'bld-secret-91c2';
const T0 = Date.parse('2026-10-10T12:00:00Z');

let fake: BuildiumFake;
beforeEach(async () => {
  fake = await startBuildiumFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const ana = tenantRecord(101, 'Ana', 'Ruiz');
  const ben = tenantRecord(102, 'Ben', 'Lee', {
    PhoneNumbers: [{ Number: '512-555-0142', Type: 'Work' }],
  });
  const cy = tenantRecord(103, 'Cy', 'Corp', { Email: 'not-an-email', PhoneNumbers: [] });
  fake.data.rentals.push(
    rental(1, 'Oak Court', 'CA'),
    rental(2, 'Pine Plaza', 'Texas', { RentalType: 'Commercial', NumberUnits: 0 }),
    rental(3, 'Elm Row', null),
  );
  fake.data.leases.push(
    leaseRecord(11, 1, '12B', [ana], 1500),
    leaseRecord(12, 1, '14A', [ben], 1200),
    leaseRecord(13, 2, 'Suite 200', [cy], 3000, { LeaseStatus: 'Past' }),
    leaseRecord(14, 3, '1', [tenantRecord(104, 'Dee', 'Ng')], 500),
    leaseRecord(15, 1, '3C', [], 100),
    leaseRecord(16, 1, '9F', [tenantRecord(106, 'Fay', 'Oh')], 900, { LeaseStatus: 'Future' }),
  );
  const t = fake.data.transactions;
  t.set(11, [
    transaction(9001, '2026-09-01', 'Charge', 1500),
    transaction(9002, '2026-09-03', 'Payment', 1500, 'Rent Income', 'Check 1001'),
    transaction(9003, '2026-10-01', 'Charge', 1500),
    transaction(9004, '2026-10-06', 'Charge', 75, 'Late Fee Income'),
  ]);
  t.set(12, [transaction(9011, '2026-10-01', 'Charge', 1200)]);
  t.set(13, [
    transaction(9021, '2026-09-01', 'Charge', 3000),
    transaction(9022, '2026-09-02', 'Payment', 3000),
  ]);
  t.set(14, [transaction(9031, '2026-10-01', 'Charge', 500)]);
  t.set(15, [transaction(9041, '2026-10-01', 'Charge', 100)]);
});
afterEach(() => fake.close());

const env = (over: Record<string, string | undefined> = {}) => ({
  ARREARS_BUILDIUM_CLIENT_ID: CLIENT_ID,
  ARREARS_BUILDIUM_CLIENT_SECRET: CLIENT_SECRET,
  ARREARS_BUILDIUM_BASE_URL: fake.apiUrl,
  ARREARS_BUILDIUM_PAGE_SIZE: '2',
  ...over,
});
const harness = (over: Record<string, string | undefined> = {}, clock = fixedClock(T0)) =>
  connectorHarness(buildiumConnector, env(over), { clock });

async function pullAll(source: DataSourcePort, cursor: string | null) {
  const pages: SourcePage[] = [];
  for (let c = cursor; ;) {
    const page = await source.pull(c);
    pages.push(page);
    if (page.cursor !== null) c = page.cursor;
    if (!page.more) return { pages, cursor: c };
    if (pages.length > 50) throw new Error('no end');
  }
}
const all = (pages: SourcePage[], key: 'properties' | 'tenants' | 'leases' | 'ledger') =>
  pages.flatMap((p) => p[key] ?? []);
const calls = () =>
  fake.requests.map(
    (r) => `${r.path.slice(3)}${r.query.size ? `?${decodeURIComponent(r.query.toString())}` : ''}`,
  );

describe('Buildium connector: manifest, keys and verify', () => {
  it('has a valid manifest and no webhook (none is documented)', () => {
    expect(manifestProblems(buildiumConnector)).toEqual([]);
    expect(buildiumConnector.manifest.webhook).toBeNull();
    expect(harness().instance.webhook).toBeUndefined();
  });

  it('verify reads one rental with the two key headers', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/rentals');
    expect(req.query.get('limit')).toBe('1');
    expect(req.headers['x-buildium-client-id']).toBe(CLIENT_ID);
    expect(req.headers['x-buildium-client-secret']).toBe(CLIENT_SECRET);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('verify is not ok with a bad secret (Buildium’s 401), without echoing it', async () => {
    const result = await harness({ ARREARS_BUILDIUM_CLIENT_SECRET: 'wrong' }).instance.verify();
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('401');
    expect(result.detail).toContain('client secret is invalid');
    expect(result.detail).not.toContain('wrong');
  });

  it('a pull with bad keys throws a non-retryable BuildiumError', async () => {
    const source = harness({ ARREARS_BUILDIUM_CLIENT_ID: 'nobody' }).instance.source!;
    await expect(source.pull(null)).rejects.toMatchObject({
      name: 'BuildiumError',
      status: 401,
      retryable: false,
    });
  });
});

describe('Buildium connector: a full pull', () => {
  it('pages rentals, leases with tenants and transactions, then outstanding balances', async () => {
    const { pages, cursor } = await pullAll(harness().instance.source!, null);
    expect(calls()).toEqual([
      '/rentals?offset=0&limit=2',
      '/rentals?offset=2&limit=2',
      '/leases?leasestatuses=Active,Past&offset=0&limit=2',
      '/leases/11/transactions?transactiontypes=Charge,Payment,Credit,ReversePayment,Refund&orderby=Date&offset=0&limit=2',
      '/leases/11/transactions?transactiontypes=Charge,Payment,Credit,ReversePayment,Refund&orderby=Date&offset=2&limit=2',
      '/leases/12/transactions?transactiontypes=Charge,Payment,Credit,ReversePayment,Refund&orderby=Date&offset=0&limit=2',
      '/leases?leasestatuses=Active,Past&offset=2&limit=2',
      '/leases/13/transactions?transactiontypes=Charge,Payment,Credit,ReversePayment,Refund&orderby=Date&offset=0&limit=2',
      '/leases?leasestatuses=Active,Past&offset=4&limit=2',
      '/leases/outstandingbalances?leasestatuses=Active,Past&offset=0&limit=2',
      '/leases/outstandingbalances?leasestatuses=Active,Past&offset=2&limit=2',
    ]);
    expect(pages.map((p) => p.more)).toEqual([true, true, true, true, true, true, false]);

    expect(all(pages, 'properties')).toEqual([
      {
        id: 'bld-prop-1',
        name: 'Oak Court',
        timezone: 'America/Los_Angeles',
        jurisdiction: 'US-CA',
        kind: 'residential',
        address: {
          line1: '100 Oak Court',
          city: 'Oakland',
          region: 'CA',
          postalCode: '94607',
          country: 'US',
        },
        unitCount: 12,
      },
      expect.objectContaining({
        id: 'bld-prop-2',
        jurisdiction: 'US-TX',
        timezone: 'America/Chicago',
        kind: 'commercial',
      }),
    ]);
    expect(all(pages, 'leases')).toEqual([
      {
        id: 'bld-lease-11',
        propertyId: 'bld-prop-1',
        unit: '12B',
        tenantIds: ['bld-tenant-101'],
        rentCents: 150000,
        status: 'active',
        startDate: '2026-01-01',
        endDate: '2026-12-31',
      },
      expect.objectContaining({ id: 'bld-lease-12', tenantIds: ['bld-tenant-102'] }),
      expect.objectContaining({ id: 'bld-lease-13', status: 'past', rentCents: 300000 }),
    ]);
    expect(all(pages, 'tenants')).toEqual([
      { id: 'bld-tenant-101', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
      { id: 'bld-tenant-102', name: 'Ben Lee', email: 'ben@example.com', phone: '+15125550142' },
      { id: 'bld-tenant-103', name: 'Cy Corp' },
    ]);
    expect(all(pages, 'ledger').filter((e) => e.leaseId === 'bld-lease-11')).toEqual([
      {
        id: 'bld-txn-9001',
        leaseId: 'bld-lease-11',
        date: '2026-09-01',
        amountCents: 150000,
        type: 'charge',
        category: 'rent',
        dueDate: '2026-09-01',
      },
      {
        id: 'bld-txn-9002',
        leaseId: 'bld-lease-11',
        date: '2026-09-03',
        amountCents: 150000,
        type: 'payment',
        memo: 'Check 1001',
      },
      {
        id: 'bld-txn-9003',
        leaseId: 'bld-lease-11',
        date: '2026-10-01',
        amountCents: 150000,
        type: 'charge',
        category: 'rent',
        dueDate: '2026-10-01',
      },
      {
        id: 'bld-txn-9004',
        leaseId: 'bld-lease-11',
        date: '2026-10-06',
        amountCents: 7500,
        type: 'charge',
        category: 'fee',
        dueDate: '2026-10-06',
      },
    ]);
    // Rental 3 has no state, lease 14 is on it and lease 15 has no tenant: all left out, with their balances.
    expect(pages.flatMap((p) => p.balances ?? [])).toEqual([
      { leaseId: 'bld-lease-11', balanceCents: 157500 },
      { leaseId: 'bld-lease-12', balanceCents: 120000 },
    ]);
    expect(decodeCursor(cursor)).toEqual({
      v: 1,
      since: '2026-10-10T11:55:00.000Z',
      owed: [11, 12],
      skippedProperties: [3],
      skippedLeases: [14, 15],
    });

    // What it pulled is a valid SPEC 3.1 portfolio.
    expect(() =>
      portfolioFromValue({
        properties: all(pages, 'properties'),
        tenants: all(pages, 'tenants'),
        leases: all(pages, 'leases'),
        ledger: all(pages, 'ledger'),
      }),
    ).not.toThrow();
  });

  it('STATE and TIMEZONE settings apply to every rental (rental 3 is then kept)', async () => {
    const { pages } = await pullAll(
      harness({ ARREARS_BUILDIUM_STATE: 'NV', ARREARS_BUILDIUM_TIMEZONE: 'America/Denver' })
        .instance.source!,
      null,
    );
    expect(all(pages, 'properties').map((p) => [p.id, p.jurisdiction, p.timezone])).toEqual([
      ['bld-prop-1', 'US-NV', 'America/Denver'],
      ['bld-prop-2', 'US-NV', 'America/Denver'],
      ['bld-prop-3', 'US-NV', 'America/Denver'],
    ]);
    expect(all(pages, 'leases').map((l) => l.id)).toContain('bld-lease-14');
  });

  it('an unreadable cursor starts a full pull again', async () => {
    await harness().instance.source!.pull('{"v":0}');
    expect(calls()).toEqual(['/rentals?offset=0&limit=2']);
  });
});

describe('Buildium connector: incremental sweeps (lastupdatedfrom)', () => {
  it('reads what changed since the last sweep, the owing leases, and the leases that paid off', async () => {
    const clock = fixedClock(T0);
    const h = harness({}, clock);
    const first = await pullAll(h.instance.source!, null);
    fake.requests.length = 0;

    clock.set(Date.parse('2026-10-11T12:00:00Z'));
    fake.touch(fake.data.rentals[1]!, '2026-10-11T09:00:00Z');
    fake.touch(fake.data.leases[2]!, '2026-10-11T09:00:00Z');
    fake.data.transactions.get(12)!.push(transaction(9012, '2026-10-10', 'Payment', 1200));
    fake.data.transactions
      .get(11)!
      .push(transaction(9005, '2026-10-08', 'Charge', 25, 'Utility - Water'));

    const second = await pullAll(h.instance.source!, first.cursor);
    const tx =
      'transactiondatefrom=2026-09-09&transactiontypes=Charge,Payment,Credit,ReversePayment,Refund&orderby=Date';
    expect(calls()).toEqual([
      '/rentals?lastupdatedfrom=2026-10-10T11:55:00Z&offset=0&limit=2',
      '/leases?leasestatuses=Active,Past&lastupdatedfrom=2026-10-10T11:55:00Z&offset=0&limit=2',
      `/leases/13/transactions?${tx}&offset=0&limit=2`,
      '/leases/outstandingbalances?leasestatuses=Active,Past&offset=0&limit=2',
      `/leases/11/transactions?${tx}&offset=0&limit=2`,
      `/leases/11/transactions?${tx}&offset=2&limit=2`,
      '/leases/outstandingbalances?leasestatuses=Active,Past&offset=2&limit=2',
      `/leases/12/transactions?${tx}&offset=0&limit=2`,
    ]);
    expect(all(second.pages, 'properties').map((p) => p.id)).toEqual(['bld-prop-2']);
    expect(all(second.pages, 'leases').map((l) => l.id)).toEqual(['bld-lease-13']);
    const ledger = all(second.pages, 'ledger').map((e) => e.id);
    expect(ledger).toContain('bld-txn-9005');
    expect(ledger).toContain('bld-txn-9012');
    expect(second.pages.flatMap((p) => p.balances ?? [])).toEqual([
      { leaseId: 'bld-lease-11', balanceCents: 160000 },
    ]);
    expect(decodeCursor(second.cursor)).toMatchObject({
      since: '2026-10-11T11:55:00.000Z',
      owed: [11],
    });
  });
});

describe('Buildium connector: throttling, outages and refusals', () => {
  it('a 429 with Retry-After is retried, then the page succeeds', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '0' },
      {
        UserMessage: 'Too many requests.',
        ResponseStatus: 429,
        Errors: [],
      },
    );
    const page = await harness().instance.source!.pull(null);
    expect(page.properties).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);
  });

  it('a 5xx is retried (every call is a read), then the page succeeds', async () => {
    fake.failNext(2, 503, {}, { UserMessage: 'Service unavailable', ResponseStatus: 503 });
    const page = await harness().instance.source!.pull(null);
    expect(page.properties).toHaveLength(2);
    expect(fake.requests).toHaveLength(3);
  });

  it('a 429 asking for a long wait stops the pull with a retryable error and the wait', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '60' },
      { UserMessage: 'Too many requests.', ResponseStatus: 429 },
    );
    const error = await harness()
      .instance.source!.pull(null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildiumError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 60_000 });
  });

  it('an invalid filter value is refused Buildium’s way (400, Errors[{Key, Value}])', async () => {
    const source = harness({ ARREARS_BUILDIUM_LEASE_STATUSES: 'Current' }).instance.source!;
    const leases = source.pull(
      JSON.stringify({
        v: 1,
        since: null,
        owed: [],
        skippedProperties: [],
        skippedLeases: [],
        sweep: {
          startedAt: '2026-10-10T11:55:00.000Z',
          phase: 'leases',
          offset: 0,
          done: [],
          owing: [],
        },
      }),
    );
    await expect(leases).rejects.toMatchObject({
      name: 'BuildiumError',
      status: 400,
      code: '400',
      retryable: false,
    });
    await expect(leases).rejects.toThrow(/leasestatuses: 'Current' is not a valid value/);
  });

  it('refuses a bad setting before calling Buildium', () => {
    expect(() => harness({ ARREARS_BUILDIUM_STATE: 'Atlantis' })).toThrow(/ARREARS_BUILDIUM_STATE/);
    expect(() => harness({ ARREARS_BUILDIUM_PAGE_SIZE: '5000' })).toThrow(/PAGE_SIZE/);
  });
});
