/**
 * Erasing a tenant on a lawful request (SPEC 7), on SQLite and PostgreSQL: afterwards no row
 * of any table holds the tenant's name or contact points, ledger amounts are as they were,
 * the audit chain still verifies, and a refused or failed erasure writes nothing.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { editDraft } from '../app/edit-draft.js';
import { eraseTenant } from '../app/erase-tenant.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { fixedClock } from '../app/ports/clock.js';
import type { User } from '../app/ports/users.js';
import { isTombstone } from '../domain/audit/chain.js';
import { AppError, InputError } from '../domain/errors.js';
import { storesFor } from '../main.js';
import { iso, newItem, T0 } from '../outbox/testing.js';
import type { Db } from './database.js';
import { AUDIT_ERASED, appendAudit, readChain, verifyAudit } from './repos/audit-repo.js';
import { createErasureRepo } from './repos/erasure-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createOutboxRepo } from './repos/outbox-repo.js';
import { createUsersRepo } from './repos/users-repo.js';
import { TABLES } from './schema.js';

const ANA = {
  id: 'T1',
  name: 'Ana Ruiz',
  email: 'ana.ruiz@example.com',
  phone: '+14155550101',
  address: { line1: '12B Oak Court', city: 'Oakland', region: 'CA', postalCode: '94607' },
  military: true,
  consent: { sms: true, email: true },
};
/** What must not be found anywhere once Ana is erased. */
const ANA_PII = ['ana ruiz', 'ana.ruiz@example.com', '4155550101', '12b oak court'];

const PORTFOLIO = {
  properties: [
    {
      id: 'P1',
      name: 'Oak Court',
      timezone: 'America/Los_Angeles',
      jurisdiction: 'US-CA',
      kind: 'residential',
    },
  ],
  tenants: [
    ANA,
    { id: 'T2', name: 'Ben Ortiz', phone: '+14155550102' },
    { id: 'T3', name: 'Carla Diaz', email: 'carla@example.com', role: 'alternate' },
  ],
  leases: [
    { id: 'L1', propertyId: 'P1', unit: '12B', tenantIds: ['T1'], rentCents: 150000 },
    { id: 'L2', propertyId: 'P1', unit: '14', tenantIds: ['T3', 'T1'], rentCents: 90000 },
    { id: 'L3', propertyId: 'P1', unit: '15', tenantIds: ['T2'], rentCents: 80000 },
  ],
  ledger: [
    rent('C1', 'L1', 150000),
    {
      id: 'P1-1',
      leaseId: 'L1',
      date: '2026-10-03',
      type: 'payment',
      amountCents: 150000,
      memo: 'Check 1001 from Ana Ruiz',
    },
    rent('C2', 'L2', 90000),
    {
      id: 'P2-1',
      leaseId: 'L2',
      date: '2026-10-02',
      type: 'payment',
      amountCents: 90000,
      memo: 'Check 77',
    },
    rent('C3', 'L3', 80000),
  ],
  events: [
    {
      leaseId: 'L1',
      tenantId: 'T1',
      date: '2026-10-02',
      type: 'reply',
      channel: 'sms',
      text: "Ana here, I'll pay Friday",
      from: '+14155550101',
    },
    {
      leaseId: 'L1',
      date: '2026-10-02',
      type: 'promise',
      until: '2026-10-09',
      note: 'Ana Ruiz called',
    },
    {
      leaseId: 'L2',
      tenantId: 'T3',
      date: '2026-10-02',
      type: 'reply',
      channel: 'sms',
      text: 'Carla: paid',
    },
    { leaseId: 'L3', date: '2026-10-02', type: 'dispute', reason: 'Ben Ortiz says he paid cash' },
  ],
};

function rent(id: string, leaseId: string, amountCents: number) {
  return {
    id,
    leaseId,
    date: '2026-10-01',
    type: 'charge',
    category: 'rent',
    amountCents,
    dueDate: '2026-10-01',
  };
}

let n = 0;
async function setUp(db: Db) {
  const org = `er-${++n}`;
  await ensureOrganisation(db, { id: org, name: org, at: iso(T0) });
  const clock = fixedClock(T0);
  const users = createUsersRepo(db, clock);
  const admin = (await users.addUser(org, 'dpo@x.com', 'admin')).user;
  const manager = (await users.addUser(org, 'ann@x.com', 'manager')).user;
  const stores = storesFor(db);
  await importJsonPortfolio(
    { clock, ...stores },
    {
      orgId: org,
      fileName: 'p.json',
      text: JSON.stringify(PORTFOLIO),
      format: 'json',
      actor: 'test',
    },
  );
  const outbox = createOutboxRepo(db, clock);
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      org,
      [
        newItem('L1:1:late-notice:sms/T1/sms', {
          payload: {
            template: 'late-notice',
            date: '2026-10-06',
            body: 'Hi Ana Ruiz, rent is late.',
          },
        }),
        newItem('L1:1:late-notice:email/T1/email', {
          channel: 'email',
          method: 'email',
          payload: { template: 'late-notice', date: '2026-10-06', body: 'Dear Ana' },
        }),
        newItem('L1:1:call:task', {
          type: 'task',
          channel: null,
          method: null,
          contactId: null,
          approvalsRequired: 0,
          payload: { title: 'Collection call', note: 'Ana Ruiz prefers evenings' },
        }),
        newItem('L2:1:late-notice:sms/T3/sms', {
          leaseId: 'L2',
          contactId: 'T3',
          payload: { template: 'late-notice', body: 'Hi Carla, rent is late.' },
        }),
      ],
      'system:scan',
    ),
  );
  // An edit leaves the old and new text in outbox_versions.
  await editDraft({ outbox, users, clock }, org, manager, 'L1:1:late-notice:email/T1/email', {
    subject: 'For Ana Ruiz',
    body: 'Dear Ana Ruiz, please call 415-555-0101.',
  });
  await db.transaction(async (trx) => {
    await outbox.createTask(trx, org, {
      id: 'L1:1:call:task',
      leaseId: 'L1',
      episode: 1,
      outboxKey: 'L1:1:call:task',
      title: 'Collection call',
      category: null,
      assignee: null,
      dueDate: null,
      data: { title: 'Collection call', note: 'Ana Ruiz prefers evenings' },
      at: iso(T0),
    });
    await trx
      .insertInto('replies')
      .values({
        org_id: org,
        id: 'R1',
        lease_id: 'L1',
        tenant_id: 'T1',
        channel: 'sms',
        from_address: '+14155550101',
        body: 'STOP texting me - Ana Ruiz',
        received_at: iso(T0),
        intent: 'opt_out',
        classification: JSON.stringify({ intent: 'opt_out', text: 'Ana Ruiz' }),
        provider: 'twilio',
        provider_id: 'SM1',
        created_at: iso(T0),
      })
      .execute();
    await trx
      .insertInto('proofs_of_service')
      .values({
        org_id: org,
        id: 'PS1',
        outbox_key: 'L1:1:late-notice:email/T1/email',
        lease_id: 'L1',
        contact_id: 'T1',
        method: 'first_class',
        provider: 'lob',
        provider_id: 'ltr_1',
        tracking_number: '9400',
        document_sha256: null,
        status: 'sent',
        served_on: '2026-10-07',
        data: JSON.stringify({ to: '12B Oak Court, Oakland CA' }),
        created_at: iso(T0),
        updated_at: iso(T0),
      })
      .execute();
    // Entries another writer recorded with Ana's data in them, and some without.
    await appendAudit(trx, org, {
      at: iso(T0),
      actor: 'system:test',
      type: 'tenant.noted',
      subject: 'tenant:T1',
      data: { language: 'es' },
    });
    await appendAudit(trx, org, {
      at: iso(T0),
      actor: 'provider:twilio',
      type: 'reply.received',
      subject: 'webhook:twilio:SM1',
      data: { from: '+14155550101', intent: 'opt_out' },
    });
    await appendAudit(trx, org, {
      at: iso(T0),
      actor: 'system:test',
      type: 'note',
      subject: 'lease:L3',
      data: { note: 'Ben Ortiz called' },
    });
  });
  const erase = (user: User, tenantId: string, reason: string) =>
    eraseTenant({ erasure: createErasureRepo(db, clock), clock }, org, user, tenantId, reason);
  return { org, admin, manager, outbox, erase };
}

/** Every row of every table (but document bytes), lower-cased, for a search. */
async function everything(db: Db, org: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of TABLES) {
    if (table === 'documents') continue;
    let q = db.kysely.selectFrom(table).selectAll();
    if (table !== 'organisations') q = q.where('org_id' as never, '=', org as never);
    out.set(table, JSON.stringify(await q.execute()).toLowerCase());
  }
  return out;
}

async function ledger(db: Db, org: string) {
  return db.kysely
    .selectFrom('ledger_entries')
    .select(['id', 'lease_id', 'type', 'amount_cents', 'date', 'due_date'])
    .where('org_id', '=', org)
    .orderBy('id')
    .execute();
}

forEachDialect('tenant erasure', (h) => {
  it('blanks the tenant everywhere, keeps amounts, tombstones what carried them, verifies', async () => {
    const db = await h.openMigrated();
    const { org, admin, outbox, erase } = await setUp(db);
    const before = await everything(db, org);
    for (const needle of ANA_PII)
      expect([...before.values()].some((text) => text.includes(needle))).toBe(true);
    const ledgerBefore = await ledger(db, org);
    const chainBefore = await readChain(db, org);

    const summary = await erase(admin, 'T1', 'erasure request 17');

    expect(summary).toMatchObject({
      tenantId: 'T1',
      leaseIds: ['L1', 'L2'],
      cancelled: ['L1:1:late-notice:email/T1/email', 'L1:1:late-notice:sms/T1/sms'],
      blanked: {
        tenants: 1,
        events: 2, // Ana's reply; the promise on the lease only she holds
        replies: 1,
        outbox: 3,
        tasks: 1,
        proofsOfService: 1,
        ledgerMemos: 1,
      },
    });
    const after = await everything(db, org);
    for (const [table, text] of after)
      for (const needle of ANA_PII)
        expect(`${table}: ${text.includes(needle)}`).toBe(`${table}: false`);

    // What the accounts need stays; other people's data stays.
    expect(await ledger(db, org)).toEqual(ledgerBefore);
    expect(after.get('tenants')).toContain('carla diaz');
    expect(after.get('tenants')).toContain('ben ortiz');
    expect(after.get('events')).toContain('carla: paid');
    expect(after.get('events')).toContain('ben ortiz says he paid cash');
    expect(after.get('ledger_entries')).toContain('check 77');
    const tenant = await db.kysely
      .selectFrom('tenants')
      .selectAll()
      .where('org_id', '=', org)
      .where('id', '=', 'T1')
      .executeTakeFirstOrThrow();
    expect(tenant).toMatchObject({ name: '[erased]', email: null, phone: null });
    expect(JSON.parse(tenant.data)).toEqual({
      id: 'T1',
      name: '[erased]',
      language: 'en',
      role: 'primary',
      consent: {},
    });
    expect(await outbox.get(org, 'L1:1:late-notice:sms/T1/sms')).toMatchObject({
      status: 'cancelled',
      reason: 'erased',
      payload: { template: 'late-notice', date: '2026-10-06', pastDueCents: 150000 },
    });
    expect((await outbox.get(org, 'L2:1:late-notice:sms/T3/sms'))!.payload.body).toBe(
      'Hi Carla, rent is late.',
    );
    const portfolio = await storesFor(db).portfolio.loadPortfolio(org);
    expect(portfolio.tenants.find((t) => t.id === 'T1')).toMatchObject({ name: '[erased]' });

    // Audit: the entries about the tenant or carrying her data are tombstones now.
    const chain = await readChain(db, org);
    const erased = chain.filter((e) => isTombstone(e.data)).map((e) => e.subject);
    expect(erased.sort()).toEqual(['tenant:T1', 'webhook:twilio:SM1']);
    expect(summary.auditEntriesErased).toHaveLength(2);
    const record = chain.at(-1)!;
    expect(record).toMatchObject({
      seq: summary.erasureSeq,
      type: AUDIT_ERASED,
      actor: `user:${admin.id}`,
      subject: 'tenant:T1',
      data: {
        erasedSeqs: summary.auditEntriesErased,
        reason: 'erasure request 17',
        tenantId: 'T1',
        blanked: summary.blanked,
      },
    });
    expect(chain.find((e) => e.subject === 'lease:L3')!.data).toEqual({ note: 'Ben Ortiz called' });
    // The entries before the erasure are the same entries (same hashes), the chain intact.
    expect(chain.slice(0, chainBefore.length).map((e) => e.hash)).toEqual(
      chainBefore.map((e) => e.hash),
    );
    expect(await verifyAudit(db)).toMatchObject({ ok: true });

    // Erasing again finds nothing more and is still recorded.
    const again = await erase(admin, 'T1', 'erasure request 17');
    expect(again.auditEntriesErased).toEqual([]);
    expect(again.cancelled).toEqual([]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('refuses non-admins, unknown tenants, a reason naming the tenant and an open case; writes nothing', async () => {
    const db = await h.openMigrated();
    const { org, admin, manager, erase } = await setUp(db);
    await db.kysely
      .insertInto('cases')
      .values({
        org_id: org,
        lease_id: 'L3',
        episode: 1,
        opened: '2026-10-02',
        anchor: '2026-10-01',
        closed: null,
        outcome: null,
        policy_id: null,
        policy_version: null,
        updated_at: iso(T0),
      })
      .execute();
    const before = await everything(db, org);
    await expect(erase(manager, 'T1', 'request 17')).rejects.toThrow(
      "ann@x.com is a manager; only an admin may erase a tenant's personal data",
    );
    await expect(erase(admin, 'T9', 'request 17')).rejects.toThrow('no tenant T9 in organisation');
    await expect(erase(admin, 'T1', '  ')).rejects.toThrow(InputError);
    const named = erase(admin, 'T1', 'Request by ANA RUIZ by letter');
    await expect(named).rejects.toThrow(InputError);
    await expect(named).rejects.toThrow('the reason names the tenant or one of their contacts');
    const open = erase(admin, 'T2', 'request 18');
    await expect(open).rejects.toThrow(AppError);
    await expect(open).rejects.toThrow(
      'the tenant has an open case (lease L3 episode 1): its debt is still being collected',
    );
    expect(await everything(db, org)).toEqual(before);

    // A case that closes later at the property is still open today; once closed, it may go.
    await db.kysely
      .updateTable('cases')
      .set({ closed: '2026-10-07' })
      .where('org_id', '=', org)
      .execute();
    await expect(erase(admin, 'T2', 'request 18')).rejects.toThrow('has an open case');
    await db.kysely
      .updateTable('cases')
      .set({ closed: '2026-10-05' })
      .where('org_id', '=', org)
      .execute();
    expect((await erase(admin, 'T2', 'request 18')).tenantId).toBe('T2');
  });

  it('one transaction: tampered audit data carrying the tenant stops the erasure and nothing changes', async () => {
    const db = await h.openMigrated();
    const { org, admin, erase } = await setUp(db);
    const entry = (await readChain(db, org)).find((e) => e.subject === 'webhook:twilio:SM1')!;
    const stored = await db.kysely
      .selectFrom('audit')
      .select('data')
      .where('org_id', '=', org)
      .where('seq', '=', entry.seq)
      .executeTakeFirstOrThrow();
    const tampered = stored.data.replace('opt_out', 'opt_in');
    await sql`update audit set data = ${tampered} where org_id = ${org} and seq = ${entry.seq}`.execute(
      db.kysely,
    );
    const before = await everything(db, org);
    await expect(erase(admin, 'T1', 'request 17')).rejects.toThrow(
      `audit entry ${entry.seq} of ${org} does not match its dataHash`,
    );
    expect(await everything(db, org)).toEqual(before);
  });
});
