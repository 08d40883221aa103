import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { isTombstone } from '../domain/audit/chain.js';
import type { Db } from './database.js';
import {
  appendAudit,
  AUDIT_ERASED,
  eraseSubjectData,
  readChain,
  verifyAudit,
} from './repos/audit-repo.js';
import { DEFAULT_ORG_ID, ensureOrganisation } from './repos/organisations-repo.js';

const ORG = DEFAULT_ORG_ID;
const at = (i: number) => new Date(Date.UTC(2026, 9, 1, 16, i)).toISOString();

/** One change and its audit entry, in one transaction, as the rest of the engine does it. */
function recordChange(
  db: Db,
  org: string,
  i: number,
  subject = i % 4 === 0 ? 'tenant:T1' : 'lease:L1',
) {
  return db.transaction(async (trx) => {
    await trx
      .insertInto('settings')
      .values({ org_id: org, key: `change-${i}`, value: String(i), updated_at: at(i) })
      .execute();
    return appendAudit(trx, org, {
      at: at(i),
      actor: 'system:scan',
      type: 'setting.changed',
      subject,
      data: { i, key: `change-${i}`, phone: '+14155550101', note: 'Ana Ruiz promised Friday' },
    });
  });
}

/** Changes one character of a stored column with raw SQL, as an intruder would. */
async function flipByte(
  db: Db,
  org: string,
  seq: number,
  column: 'data' | 'at',
  pick: (s: string) => number,
) {
  const row = await db.kysely
    .selectFrom('audit')
    .select(column)
    .where('org_id', '=', org)
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  const value = row[column];
  const i = pick(value);
  const flipped =
    value.slice(0, i) + String.fromCharCode(value.charCodeAt(i) ^ 1) + value.slice(i + 1);
  await sql`update audit set ${sql.ref(column)} = ${flipped} where org_id = ${org} and seq = ${seq}`.execute(
    db.kysely,
  );
  return async () => {
    await sql`update audit set ${sql.ref(column)} = ${value} where org_id = ${org} and seq = ${seq}`.execute(
      db.kysely,
    );
  };
}

// The tests of a suite share its database, in order.
forEachDialect('audit log', (h) => {
  it('appends 20 entries in their transactions and verifies', async () => {
    const db = await h.openMigrated();
    for (let i = 1; i <= 20; i++) {
      const entry = await recordChange(db, ORG, i);
      expect(entry.seq).toBe(i);
    }
    const chain = await readChain(db, ORG);
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(chain[1]!.prevHash).toBe(chain[0]!.hash);
    expect(chain[0]!.data).toEqual({
      i: 1,
      key: 'change-1',
      note: 'Ana Ruiz promised Friday',
      phone: '+14155550101',
    });
    expect(await verifyAudit(db)).toEqual({
      ok: true,
      entries: 20,
      organisations: [{ orgId: ORG, ok: true, entries: 20 }],
    });
    expect(await readChain(db, ORG, { fromSeq: 19 })).toHaveLength(2);
    expect(await readChain(db, ORG, { fromSeq: 5, limit: 3 })).toHaveLength(3);
  });

  it('a rolled-back change leaves no entry and no gap', async () => {
    const db = await h.openMigrated();
    await expect(
      db.transaction(async (trx) => {
        await appendAudit(trx, ORG, { at: at(0), actor: 'a', type: 't', subject: 's', data: {} });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await verifyAudit(db)).entries).toBe(20);
    expect((await recordChange(db, ORG, 21)).seq).toBe(21);
  });

  it('refuses an append outside a transaction or for an unknown organisation', async () => {
    const db = await h.openMigrated();
    const input = { at: at(0), actor: 'a', type: 't', subject: 's', data: {} };
    // @ts-expect-error -- a plain Kysely instance is not a DbTransaction
    await expect(appendAudit(db.kysely, ORG, input)).rejects.toThrow('inside the transaction');
    await expect(db.transaction((trx) => appendAudit(trx, 'nope', input))).rejects.toThrow(
      'organisation nope does not exist',
    );
    await expect(
      db.transaction((trx) => appendAudit(trx, ORG, { ...input, data: { x: undefined } })),
    ).rejects.toThrow('$.x');
  });

  it('one changed byte of stored data breaks the chain at that seq', async () => {
    const db = await h.openMigrated();
    const restore = await flipByte(db, ORG, 7, 'data', (s) => s.indexOf('Ana'));
    expect(await verifyAudit(db)).toMatchObject({
      ok: false,
      entries: 6,
      organisations: [{ orgId: ORG, ok: false, seq: 7, reason: 'data_hash_mismatch' }],
    });
    await restore();
    // A byte that makes the data unparsable is caught the same way.
    const restore2 = await flipByte(db, ORG, 3, 'data', () => 0);
    expect(await verifyAudit(db)).toMatchObject({
      organisations: [{ seq: 3, reason: 'data_hash_mismatch' }],
    });
    await restore2();
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('a changed chain field, a removed entry or a cut-off tail breaks the chain', async () => {
    const db = await h.openMigrated();
    const restore = await flipByte(db, ORG, 12, 'at', (s) => s.length - 3);
    expect(await verifyAudit(db)).toMatchObject({
      organisations: [{ seq: 12, reason: 'hash_mismatch' }],
    });
    await restore();

    const chain = await readChain(db, ORG);
    const deleteSeq = (seq: number) =>
      sql`delete from audit where org_id = ${ORG} and seq = ${seq}`.execute(db.kysely);
    const reinsert = async (seq: number) => {
      const e = chain[seq - 1]!;
      await sql`insert into audit (org_id, seq, at, actor, type, subject, data, data_hash, prev_hash, hash)
        values (${ORG}, ${e.seq}, ${e.at}, ${e.actor}, ${e.type}, ${e.subject}, ${JSON.stringify(e.data)},
                ${e.dataHash}, ${e.prevHash}, ${e.hash})`.execute(db.kysely);
    };
    await deleteSeq(9);
    expect(await verifyAudit(db)).toMatchObject({
      organisations: [{ seq: 9, reason: 'missing_entries', entries: 8 }],
    });
    await reinsert(9);
    await deleteSeq(21);
    expect(await verifyAudit(db)).toMatchObject({
      organisations: [{ seq: 21, reason: 'missing_entries', entries: 20 }],
    });
    await reinsert(21);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('erasing a subject tombstones its data; the chain still verifies', async () => {
    const db = await h.openMigrated();
    const erasure = { by: 'user:dpo', reason: 'GDPR request 17', at: at(59) };
    const result = await eraseSubjectData(db, ORG, 'tenant:T1', erasure);
    expect(result.erased).toEqual([4, 8, 12, 16, 20]);
    expect(result.entry).toMatchObject({
      seq: 22,
      type: AUDIT_ERASED,
      actor: 'user:dpo',
      subject: 'tenant:T1',
      data: { erasedSeqs: [4, 8, 12, 16, 20], reason: 'GDPR request 17' },
    });
    const chain = await readChain(db, ORG);
    for (const e of chain) {
      if (result.erased.includes(e.seq)) {
        expect(e.data).toEqual({
          $tombstone: { at: at(59), by: 'user:dpo', reason: 'GDPR request 17' },
        });
        expect(JSON.stringify(e.data)).not.toContain('Ana');
      } else expect(isTombstone(e.data)).toBe(false);
    }
    expect(await verifyAudit(db)).toEqual({
      ok: true,
      entries: 22,
      organisations: [{ orgId: ORG, ok: true, entries: 22 }],
    });
    // Idempotent: nothing more to erase, the request is still recorded.
    const again = await eraseSubjectData(db, ORG, 'tenant:T1', erasure);
    expect(again.erased).toEqual([]);
    expect(again.entry.seq).toBe(23);
    // A tombstoned entry is still protected by its chain fields.
    const restore = await flipByte(db, ORG, 8, 'at', (s) => s.length - 3);
    expect(await verifyAudit(db)).toMatchObject({
      organisations: [{ seq: 8, reason: 'hash_mismatch' }],
    });
    await restore();
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('erasure refuses to tombstone (and so hide) tampered data', async () => {
    const db = await h.openMigrated();
    await recordChange(db, ORG, 24, 'tenant:T2');
    const restore = await flipByte(db, ORG, 24, 'data', (s) => s.indexOf('Ana'));
    await expect(
      eraseSubjectData(db, ORG, 'tenant:T2', { by: 'user:dpo', reason: 'r', at: at(59) }),
    ).rejects.toThrow('entry 24 of default does not match its dataHash');
    await restore();
    // Nothing was changed by the refused erasure.
    expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: 24 });
  });

  it('keeps one chain per organisation and names the broken one', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'acme', name: 'Acme', at: at(0) });
    for (let i = 1; i <= 3; i++) expect((await recordChange(db, 'acme', 100 + i)).seq).toBe(i);
    expect((await recordChange(db, ORG, 25)).seq).toBe(25);
    expect(await verifyAudit(db)).toEqual({
      ok: true,
      entries: 28,
      organisations: [
        { orgId: 'acme', ok: true, entries: 3 },
        { orgId: ORG, ok: true, entries: 25 },
      ],
    });
    const restore = await flipByte(db, 'acme', 2, 'data', (s) => s.indexOf('Ana'));
    const result = await verifyAudit(db);
    expect(result.ok).toBe(false);
    expect(result.organisations).toMatchObject([
      { orgId: 'acme', ok: false, seq: 2 },
      { orgId: ORG, ok: true },
    ]);
    await restore();
  });

  it('verifies a chain longer than one read page', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'big', name: 'Big', at: at(0) });
    await db.transaction(async (trx) => {
      for (let i = 1; i <= 1205; i++)
        await appendAudit(trx, 'big', {
          at: at(i % 60),
          actor: 'a',
          type: 't',
          subject: `s${i}`,
          data: { i },
        });
    });
    const result = await verifyAudit(db);
    expect(result.organisations.find((o) => o.orgId === 'big')).toEqual({
      orgId: 'big',
      ok: true,
      entries: 1205,
    });
    const restore = await flipByte(db, 'big', 1100, 'data', (s) => s.length - 2);
    expect((await verifyAudit(db)).organisations.find((o) => o.orgId === 'big')).toMatchObject({
      ok: false,
      seq: 1100,
      entries: 1099,
    });
    await restore();
  });

  it('concurrent writers never fork the chain', async () => {
    // PostgreSQL: two handles (two pools, many connections) racing. SQLite: one handle
    // per process by design (its writers queue on the file lock across processes).
    const first = await h.openMigrated();
    const writers = h.dialect === 'postgres' ? [first, await h.open()] : [first];
    await ensureOrganisation(writers[0]!, { id: 'race', name: 'Race', at: at(0) });
    const appends = Array.from({ length: 40 }, (_, i) =>
      writers[i % writers.length]!.transaction(async (trx) => {
        // Read something first, so the transactions overlap before they append.
        await trx.selectFrom('organisations').select('id').where('id', '=', 'race').execute();
        await trx
          .insertInto('settings')
          .values({ org_id: 'race', key: `k${i}`, value: String(i), updated_at: at(0) })
          .execute();
        return appendAudit(trx, 'race', {
          at: at(i % 60),
          actor: `writer:${i % 2}`,
          type: 't',
          subject: 's',
          data: { i },
        });
      }),
    );
    const entries = await Promise.all(appends);
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const chain = await readChain(writers[0]!, 'race');
    expect(new Set(chain.map((e) => e.prevHash)).size).toBe(40);
    const db = await h.open();
    expect((await verifyAudit(db)).organisations.find((o) => o.orgId === 'race')).toEqual({
      orgId: 'race',
      ok: true,
      entries: 40,
    });
  });
});
