/**
 * A local Buildium Open API for tests and the demo (reference §16, §20), under `/v1`: the
 * key headers on every request (401 otherwise), `/rentals`, `/leases`,
 * `/leases/outstandingbalances` (computed from the fake's transactions; zero and credit
 * balances omitted, as the reference notes) and `/leases/{id}/transactions`, all with
 * `offset` / `limit` (1–1000) and `X-Total-Count`, `lastupdatedfrom` (UTC
 * `YYYY-MM-DDTHH:MM:SSZ`, validated) on rentals and leases, and refusals in Buildium's
 * shape `{UserMessage, ResponseStatus, Errors: [{Key, Value}]}` (~).
 */
import { startFake, type FakeReply, type FakeRequest, type FakeServer } from '../fake/fake-http.js';

type Json = Record<string, unknown>;

export interface BuildiumData {
  rentals: Json[];
  leases: Json[];
  /** Lease transactions by lease id. */
  transactions: Map<number, Json[]>;
}

export interface BuildiumFake extends FakeServer {
  /** Use as BASE_URL. */
  apiUrl: string;
  data: BuildiumData;
  /** Marks a rental or lease as changed now (its LastUpdatedDateTime). */
  touch(record: Json, at?: string): void;
}

const LEASE_STATUSES = ['Active', 'Past', 'Future'];
const TYPES = ['Charge', 'Payment', 'Credit', 'ReversePayment', 'Refund', 'ApplyDeposit'];
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly errors: { Key: string; Value: string }[] = [],
  ) {}
}

const refuse = (reply: FakeReply, r: Refusal) =>
  reply.json(r.status, { UserMessage: r.message, ResponseStatus: r.status, Errors: r.errors });

const invalid = (key: string, value: string) =>
  new Refusal(400, 'The request is invalid.', [{ Key: key, Value: value }]);

/** `a,b` or repeated keys. */
function listParam(req: FakeRequest, key: string): string[] | undefined {
  const all = req.query.getAll(key);
  if (all.length === 0) return undefined;
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function paging(req: FakeRequest) {
  const limit = Number(req.query.get('limit') ?? 50);
  const offset = Number(req.query.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw invalid('limit', 'limit must be between 1 and 1000.');
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset', 'offset must be 0 or more.');
  return { limit, offset };
}

function updatedSince(req: FakeRequest): string | undefined {
  const from = req.query.get('lastupdatedfrom') ?? undefined;
  if (from !== undefined && !UTC_SECONDS.test(from))
    throw invalid(
      'lastupdatedfrom',
      'The value must be in UTC and formatted as YYYY-MM-DDTHH:MM:SSZ.',
    );
  return from;
}

function statusesOf(req: FakeRequest): string[] | undefined {
  const statuses = listParam(req, 'leasestatuses');
  const bad = statuses?.find((s) => !LEASE_STATUSES.includes(s));
  if (bad !== undefined)
    throw invalid(
      'leasestatuses',
      `'${bad}' is not a valid value. Valid values: ${LEASE_STATUSES.join(', ')}.`,
    );
  return statuses;
}

function page(reply: FakeReply, all: Json[], p: { limit: number; offset: number }) {
  reply.json(200, all.slice(p.offset, p.offset + p.limit), { 'X-Total-Count': String(all.length) });
}

const signed = (t: Json) => {
  const amount = Number(t.TotalAmount);
  return t.TransactionType === 'Payment' ||
    t.TransactionType === 'Credit' ||
    t.TransactionType === 'ApplyDeposit'
    ? -amount
    : amount;
};

export async function startBuildiumFake(o: {
  clientId: string;
  clientSecret: string;
  data?: BuildiumData;
}): Promise<BuildiumFake> {
  const data: BuildiumData = o.data ?? { rentals: [], leases: [], transactions: new Map() };

  function balances(statuses: string[] | undefined): Json[] {
    return data.leases
      .filter((l) => statuses === undefined || statuses.includes(l.LeaseStatus as string))
      .flatMap((l) => {
        const total =
          Math.round(
            (data.transactions.get(l.Id as number) ?? []).reduce(
              (sum, t) => sum + signed(t) * 100,
              0,
            ),
          ) / 100;
        if (total <= 0) return [];
        return [
          {
            LeaseId: l.Id,
            PropertyId: l.PropertyId,
            UnitId: l.UnitId,
            Balance0To30Days: total,
            Balance31To60Days: 0,
            Balance61To90Days: 0,
            BalanceOver90Days: 0,
            TotalBalance: total,
            Balances: [{ GLAccountId: 4000, TotalBalance: total }],
            PastDueEmailSentDate: null,
            EvictionPendingDate: null,
          },
        ];
      });
  }

  function handle(req: FakeRequest, reply: FakeReply) {
    if (
      req.headers['x-buildium-client-id'] !== o.clientId ||
      req.headers['x-buildium-client-secret'] !== o.clientSecret
    )
      throw new Refusal(401, 'The client id or client secret is invalid or missing.');
    if (req.method !== 'GET') throw new Refusal(405, 'The requested method is not supported.');
    const path = req.path.slice('/v1'.length);
    if (path === '/rentals') {
      const p = paging(req);
      const since = updatedSince(req);
      const all = data.rentals.filter(
        (r) => since === undefined || (r.LastUpdatedDateTime as string) >= since,
      );
      return page(reply, all, p);
    }
    if (path === '/leases') {
      const p = paging(req);
      const since = updatedSince(req);
      const statuses = statusesOf(req);
      const all = data.leases.filter(
        (l) =>
          (statuses === undefined || statuses.includes(l.LeaseStatus as string)) &&
          (since === undefined || (l.LastUpdatedDateTime as string) >= since),
      );
      return page(reply, all, p);
    }
    if (path === '/leases/outstandingbalances') {
      const p = paging(req);
      return page(reply, balances(statusesOf(req)), p);
    }
    const m = /^\/leases\/(\d+)\/transactions$/.exec(path);
    if (m) {
      const lease = data.leases.find((l) => l.Id === Number(m[1]));
      if (!lease) throw new Refusal(404, 'The lease could not be found.');
      const p = paging(req);
      const types = listParam(req, 'transactiontypes');
      const badType = types?.find((t) => !TYPES.includes(t));
      if (badType !== undefined)
        throw invalid('transactiontypes', `'${badType}' is not a valid value.`);
      const from = req.query.get('transactiondatefrom');
      const to = req.query.get('transactiondateto');
      const all = (data.transactions.get(lease.Id as number) ?? [])
        .filter((t) => types === undefined || types.includes(t.TransactionType as string))
        .filter((t) => from === null || (t.Date as string) >= from)
        .filter((t) => to === null || (t.Date as string) <= to)
        .sort((a, b) => String(a.Date).localeCompare(String(b.Date)));
      return page(reply, all, p);
    }
    throw new Refusal(404, 'The requested resource could not be found.');
  }

  const base = await startFake((req, reply) => {
    try {
      handle(req, reply);
    } catch (error) {
      if (error instanceof Refusal) return refuse(reply, error);
      throw error;
    }
  });
  return Object.assign(base, {
    apiUrl: `${base.url}/v1`,
    data,
    touch(record: Json, at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) {
      record.LastUpdatedDateTime = at;
    },
  });
}

// ---------------------------------------------------------------------------------------
// Records as Buildium writes them (for tests and the demo)

export function rental(id: number, name: string, state: string | null, over: Json = {}): Json {
  return {
    Id: id,
    Name: name,
    StructureDescription: '',
    NumberUnits: 12,
    IsActive: true,
    OperatingBankAccountId: 10,
    Reserve: 500,
    Address: {
      AddressLine1: '100 Oak Court',
      AddressLine2: '',
      AddressLine3: '',
      City: 'Oakland',
      State: state,
      PostalCode: '94607',
      Country: 'UnitedStates',
    },
    YearBuilt: 1978,
    RentalType: 'Residential',
    RentalSubType: 'MultiFamily',
    LastUpdatedDateTime: '2026-09-01T00:00:00Z',
    ...over,
  };
}

export function tenantRecord(id: number, first: string, last: string, over: Json = {}): Json {
  return {
    Id: id,
    FirstName: first,
    LastName: last,
    Email: `${first.toLowerCase()}@example.com`,
    AlternateEmail: null,
    PhoneNumbers: [
      { Number: '(415) 555-0100', Type: 'Home' },
      { Number: '(415) 555-0101', Type: 'Cell' },
    ],
    ...over,
  };
}

export function leaseRecord(
  id: number,
  propertyId: number,
  unit: string,
  tenants: Json[],
  rent: number,
  over: Json = {},
): Json {
  return {
    Id: id,
    PropertyId: propertyId,
    UnitId: id * 10,
    UnitNumber: unit,
    LeaseFromDate: '2026-01-01',
    LeaseToDate: '2026-12-31',
    LeaseType: 'Fixed',
    LeaseStatus: 'Active',
    IsEvictionPending: false,
    TermType: 'Standard',
    CurrentTenants: tenants,
    CurrentNumberOfOccupants: tenants.length,
    AccountDetails: { SecurityDeposit: rent, Rent: rent },
    CreatedDateTime: '2025-12-15T10:00:00Z',
    LastUpdatedDateTime: '2026-09-01T00:00:00Z',
    PaymentDueDay: 1,
    ...over,
  };
}

export function transaction(
  id: number,
  date: string,
  type: string,
  amount: number,
  account = 'Rent Income',
  memo = '',
): Json {
  return {
    Id: id,
    Date: date,
    TransactionType: type,
    TotalAmount: amount,
    CheckNumber: null,
    PaymentMethod: type === 'Payment' ? 'Check' : null,
    Journal: {
      Memo: memo,
      Lines: [
        {
          GLAccount: { Id: 4000, AccountNumber: '4000', Name: account, Type: 'Income' },
          Amount: amount,
        },
      ],
    },
  };
}
