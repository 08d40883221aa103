/**
 * Importing through the portfolio store on SQLite and PostgreSQL, with files larger than one
 * write batch (SQLite: 2,520 ledger rows per statement; PostgreSQL: 5,000): every row stored
 * once and counted, what is stored is what the file said (byte for byte the canonical JSON
 * earlier versions wrote), the same file again is a no-op, a newer file updates exactly what
 * changed, all-or-nothing and `--skip-invalid` hold, aging exports supersede their synthetic
 * charges, and events repeated in or across files are stored once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsvExport } from '../app/import-csv.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { fixedClock } from '../app/ports/clock.js';
import { canonicalJson } from '../domain/audit/canonical-json.js';
import { InputError } from '../domain/errors.js';
import { storesFor } from '../main.js';
import { forEachDialect } from '../../test/support/databases.js';
import type { Db } from './database.js';
import { ensureOrganisation } from './repos/organisations-repo.js';

const DEFAULTS = { timezone: 'America/Los_Angeles', jurisdiction: 'US-CA', kind: 'residential' };
const HEADER =
  'transaction_id,property_id,lease_id,unit,tenant_id,tenant_name,phone,email,rent,date,type,category,amount,due_date';

interface Line {
  id: string;
  lease: number;
  tenant?: string;
  phone?: string;
  date: string;
  type: 'charge' | 'payment';
  amount: string;
}

/** `leases` leases with `perLease` rows each: monthly rent charges and payments. */
function lines(leases: number, perLease: number): Line[] {
  const out: Line[] = [];
  for (let l = 0; l < leases; l++)
    for (let k = 0; k < perLease; k++) {
      const month = String(1 + Math.floor(k / 2)).padStart(2, '0');
      const charge = k % 2 === 0;
      out.push({
        id: `L${l}-${k}`,
        lease: l,
        date: `2026-${month}-${charge ? '01' : '05'}`,
        type: charge ? 'charge' : 'payment',
        amount: `${1000 + (l % 7)}.${String(l % 100).padStart(2, '0')}`,
      });
    }
  return out;
}

function csv(rows: readonly Line[]): string {
  const body = rows.map((r) => {
    const tenant = r.tenant ?? `T${r.lease}`;
    const phone = r.phone ?? `+1415555${String(r.lease % 10000).padStart(4, '0')}`;
    return [
      r.id,
      'P1',
      `L${r.lease}`,
      String(r.lease),
      tenant,
      `Tenant ${tenant}`,
      phone,
      `${tenant.toLowerCase()}@example.com`,
      '1500.00',
      r.date,
      r.type,
      r.type === 'charge' ? 'rent' : '',
      r.amount,
      r.type === 'charge' ? r.date : '',
    ].join(',');
  });
  return `${HEADER}\n${body.join('\n')}\n`;
}

async function count(db: Db, table: 'ledger_entries' | 'leases' | 'tenants', orgId: string) {
  const row = await db.kysely
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

forEachDialect('portfolio import in bulk', (h) => {
  let db: Db;
  beforeAll(async () => {
    db = await h.openMigrated();
  });
  const setUp = async (orgId: string) => {
    await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-01-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-11-01T12:00:00Z'));
    const deps = { clock, ...storesFor(db) };
    const importCsv = (text: string, extra: { skipInvalid?: boolean; asOf?: string } = {}) =>
      importCsvExport(deps, {
        orgId,
        fileName: 'export.csv',
        text,
        preset: 'generic',
        asOf: extra.asOf ?? '2026-11-01',
        skipInvalid: extra.skipInvalid ?? false,
        propertyDefaults: { ...DEFAULTS, kind: 'residential' },
        actor: 'test',
      });
    return { deps, clock, importCsv };
  };

  describe('a file of several batches', () => {
    const orgId = 'bulk';
    const first = lines(700, 9); // 6,300 rows
    let t: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      t = await setUp(orgId);
    });

    it('stores every row once, counts it, and loads back what the file said', async () => {
      const r = await t.importCsv(csv(first));
      expect(r.alreadyImported).toBe(false);
      expect(r.counts.ledger).toEqual({ inserted: 6300, updated: 0, unchanged: 0 });
      expect(r.counts.leases).toEqual({ inserted: 700, updated: 0, unchanged: 0 });
      expect(r.counts.tenants).toEqual({ inserted: 700, updated: 0, unchanged: 0 });
      expect(r.changedLeaseIds).toHaveLength(700);
      expect(await count(db, 'ledger_entries', orgId)).toBe(6300);

      const p = await t.deps.portfolio.loadPortfolio(orgId);
      expect(p.ledger).toHaveLength(6300);
      expect(p.ledger.find((e) => e.id === 'L123-4')).toEqual({
        id: 'L123-4',
        leaseId: 'L123',
        date: '2026-03-01',
        type: 'charge',
        category: 'rent',
        amountCents: 100_423,
        dueDate: '2026-03-01',
      });
      expect(p.leases.find((l) => l.id === 'L42')).toMatchObject({
        propertyId: 'P1',
        unit: '42',
        tenantIds: ['T42'],
        rentCents: 150_000,
      });
      // What is stored is the canonical JSON of the entity (what re-imports compare with).
      const stored = await db.kysely
        .selectFrom('ledger_entries')
        .select(['id', 'data'])
        .where('org_id', '=', orgId)
        .where('id', 'in', ['L0-0', 'L699-8'])
        .execute();
      for (const s of stored)
        expect(s.data).toBe(canonicalJson(p.ledger.find((e) => e.id === s.id)));
      const tenant = await db.kysely
        .selectFrom('tenants')
        .select('data')
        .where('org_id', '=', orgId)
        .where('id', '=', 'T7')
        .executeTakeFirstOrThrow();
      expect(tenant.data).toBe(canonicalJson(p.tenants.find((x) => x.id === 'T7')));
    });

    it('the same file again writes nothing', async () => {
      const r = await t.importCsv(csv(first));
      expect(r).toMatchObject({ alreadyImported: true, changedLeaseIds: [] });
      expect(await count(db, 'ledger_entries', orgId)).toBe(6300);
    });

    it('a newer file updates what changed, adds what is new and reports exactly those leases', async () => {
      const next = first.map((r) =>
        ['L10-3', 'L400-5', 'L699-7'].includes(r.id) ? { ...r, amount: '1.00' } : r,
      );
      // New December charges for ten leases; lease L5 gets a co-tenant; T600's phone changes.
      for (let l = 100; l < 110; l++)
        next.push({
          id: `L${l}-dec`,
          lease: l,
          date: '2026-12-01',
          type: 'charge',
          amount: '9.99',
        });
      next.push({ ...first[45]!, id: 'L5-co', tenant: 'T5b', phone: '+14155550999' });
      for (const r of next) if (r.lease === 600) r.phone = '+14155559999';
      const r = await t.importCsv(csv(next));
      expect(r.alreadyImported).toBe(false);
      expect(r.counts.ledger).toEqual({ inserted: 11, updated: 3, unchanged: 6297 });
      expect(r.counts.tenants).toEqual({ inserted: 1, updated: 1, unchanged: 699 });
      expect(r.counts.leases).toEqual({ inserted: 0, updated: 1, unchanged: 699 });
      const expected = ['L10', 'L400', 'L699', 'L5', 'L600'];
      for (let l = 100; l < 110; l++) expected.push(`L${l}`);
      expect(r.changedLeaseIds).toEqual(expected.sort());

      const p = await t.deps.portfolio.loadPortfolio(orgId, ['L5', 'L10', 'L600']);
      expect(p.ledger.find((e) => e.id === 'L10-3')?.amountCents).toBe(100);
      expect(p.leases.find((l) => l.id === 'L5')?.tenantIds).toEqual(['T5', 'T5b']);
      expect(p.tenants.find((x) => x.id === 'T600')?.phone).toBe('+14155559999');
      expect(await count(db, 'ledger_entries', orgId)).toBe(6311);
    });
  });

  it('all or nothing: one bad row among thousands and nothing is written', async () => {
    const orgId = 'bad-row';
    const t = await setUp(orgId);
    const rows = lines(400, 9);
    rows[3000] = { ...rows[3000]!, amount: '12.3x' };
    const error = await t.importCsv(csv(rows)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]).toMatchObject({
      path: 'row 3002, column "amount"',
      message: expect.stringContaining('`12.3x` is not an amount'),
    });
    expect(await count(db, 'ledger_entries', orgId)).toBe(0);
    expect(await count(db, 'leases', orgId)).toBe(0);
  });

  it('--skip-invalid writes the valid rows and returns the others', async () => {
    const orgId = 'skip';
    const t = await setUp(orgId);
    const rows = lines(400, 9);
    rows[10] = { ...rows[10]!, date: '2026-13-01' };
    rows[3500] = { ...rows[3500]!, amount: 'x' };
    const r = await t.importCsv(csv(rows), { skipInvalid: true });
    expect(r.rows).toEqual({ total: 3600, imported: 3598, rejected: 2, skipped: 0 });
    expect(r.rejects.map((x) => x.row)).toEqual([12, 3502]);
    expect(r.counts.ledger?.inserted).toBe(3598);
    expect(await count(db, 'ledger_entries', orgId)).toBe(3598);
  });

  it('a newer aging export replaces the synthetic charges of the one before', async () => {
    const orgId = 'aging';
    const t = await setUp(orgId);
    const header = 'property_id,lease_id,tenant_name,current,1-30,31-60,total';
    const rows = (n: number, cents: number) =>
      Array.from({ length: n }, (_, i) => `P1,A${i},Tenant ${i},${cents}.00,10.00,0.00,`);
    const october = `${header}\n${rows(3000, 100).join('\n')}\n`;
    const first = await t.importCsv(october, { asOf: '2026-10-15' });
    expect(first.counts.ledger?.inserted).toBe(6000);
    const november = `${header}\n${rows(3000, 200).join('\n')}\n`;
    const second = await t.importCsv(november, { asOf: '2026-11-15' });
    expect(second.counts.ledger?.inserted).toBe(6000);
    expect(second.counts.superseded?.updated).toBe(6000);
    expect(second.changedLeaseIds).toHaveLength(3000);
    expect(await count(db, 'ledger_entries', orgId)).toBe(6000);
    const p = await t.deps.portfolio.loadPortfolio(orgId, ['A7']);
    expect(p.ledger.map((e) => [e.id, e.amountCents])).toEqual([
      ['A7:aging:2026-11-15:1-30', 1000],
      ['A7:aging:2026-11-15:current', 20000],
    ]);
  });

  it('an event repeated in a file is stored once; in a later file it is unchanged', async () => {
    const orgId = 'events';
    const t = await setUp(orgId);
    const portfolio = (file: string, extra: unknown[]) => ({
      properties: [{ id: 'P1', name: 'Oak Court', ...DEFAULTS }],
      tenants: [{ id: 'T1', name: 'Ana' }],
      leases: [{ id: 'L1', propertyId: 'P1', tenantIds: ['T1'], rentCents: 1000 }],
      ledger: [],
      events: [
        { leaseId: 'L1', date: '2026-10-01', type: 'flag' },
        { leaseId: 'L1', date: '2026-10-01', type: 'flag' },
        ...extra,
      ],
      file,
    });
    const save = (p: ReturnType<typeof portfolio>) => {
      const { file, ...rest } = p;
      return importJsonPortfolio(t.deps, {
        orgId,
        fileName: file,
        text: JSON.stringify(rest),
        format: 'json',
        actor: 'test',
      });
    };
    const a = await save(portfolio('a.json', []));
    expect(a.counts.events).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    const b = await save(
      portfolio('b.json', [{ leaseId: 'L1', date: '2026-10-02', type: 'flag' }]),
    );
    expect(b.counts.events).toEqual({ inserted: 1, updated: 0, unchanged: 2 });
    expect(b.changedLeaseIds).toEqual(['L1']);
  });

  it('a payment moved to another lease changes both leases, the one it left too', async () => {
    const orgId = 'moved';
    const t = await setUp(orgId);
    const save = (file: string, paymentLease: string) =>
      importJsonPortfolio(t.deps, {
        orgId,
        fileName: file,
        text: JSON.stringify({
          properties: [{ id: 'P1', name: 'Oak Court', ...DEFAULTS }],
          tenants: [
            { id: 'T1', name: 'Ana' },
            { id: 'T2', name: 'Ben' },
          ],
          leases: ['L1', 'L2'].map((id, i) => ({
            id,
            propertyId: 'P1',
            tenantIds: [`T${i + 1}`],
            rentCents: 1000,
          })),
          ledger: [
            {
              id: 'C1',
              leaseId: 'L1',
              date: '2026-09-01',
              type: 'charge',
              amountCents: 1000,
              dueDate: '2026-09-01',
            },
            {
              id: 'P1',
              leaseId: paymentLease,
              date: '2026-09-02',
              type: 'payment',
              amountCents: 1000,
            },
          ],
        }),
        format: 'json',
        actor: 'test',
      });
    expect((await save('a.json', 'L1')).changedLeaseIds).toEqual(['L1', 'L2']);
    // L1 owes its rent again: the next scan must look at it as well as at L2.
    const moved = await save('b.json', 'L2');
    expect(moved.counts.ledger).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    expect(moved.changedLeaseIds).toEqual(['L1', 'L2']);
  });

  it('thousands of entries posted at once (a fee run) are written, each audited; again, none', async () => {
    const orgId = 'fee-run';
    const t = await setUp(orgId);
    const leases = Array.from({ length: 3000 }, (_, i) => ({
      id: `L${i}`,
      propertyId: 'P1',
      tenantIds: ['T1'],
      rentCents: 1000,
    }));
    await importJsonPortfolio(t.deps, {
      orgId,
      fileName: 'leases.json',
      text: JSON.stringify({
        properties: [{ id: 'P1', name: 'Oak Court', ...DEFAULTS }],
        tenants: [{ id: 'T1', name: 'Ana' }],
        leases,
        ledger: [],
      }),
      format: 'json',
      actor: 'test',
    });
    // 3,000 entries of 13 columns are more bound values than SQLite takes in one statement.
    const fees = leases.map((l) => ({
      id: `${l.id}-late-fee`,
      leaseId: l.id,
      date: '2026-11-01',
      type: 'charge' as const,
      category: 'fee' as const,
      amountCents: 5000,
      dueDate: '2026-11-01',
    }));
    const at = '2026-11-01T12:00:00.000Z';
    const posted = await t.deps.portfolio.addLedgerEntries(orgId, fees, {
      source: 'fees',
      actor: 'test',
      at,
    });
    expect(posted.counts.ledger).toEqual({ inserted: 3000, updated: 0, unchanged: 0 });
    expect(posted.changedLeaseIds).toHaveLength(3000);
    const audited = await db.kysely
      .selectFrom('audit')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('type', '=', 'ledger.posted')
      .executeTakeFirstOrThrow();
    expect(Number(audited.n)).toBe(3000);
    const again = await t.deps.portfolio.addLedgerEntries(orgId, fees, {
      source: 'fees',
      actor: 'test',
      at,
    });
    expect(again.counts.ledger).toEqual({ inserted: 0, updated: 0, unchanged: 3000 });
  });
});
