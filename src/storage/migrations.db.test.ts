import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { migrateToLatest, migrationStatus, assertMigrated } from './migrate.js';
import {
  DEFAULT_ORG_ID,
  ensureDefaultOrganisation,
  ensureOrganisation,
  listOrganisations,
} from './repos/organisations-repo.js';
import { TABLES } from './schema.js';
import { migrationsFor } from './migrations/index.js';

const ALL = Object.keys(migrationsFor('sqlite')).sort();

const AT = '2026-10-01T00:00:00.000Z';

// The tests of a suite share its database, in order.
forEachDialect('migrations', (h) => {
  it('applies every migration once; a second run is a no-op', async () => {
    const db = await h.open();
    expect(await migrationStatus(db)).toEqual({ applied: [], pending: ALL });
    await expect(assertMigrated(db)).rejects.toThrow('run `arrears migrate` first');

    const first = await migrateToLatest(db);
    expect(first.ranNow).toEqual(ALL);
    expect(first.pending).toEqual([]);
    expect(first.applied.map((m) => m.name)).toEqual(ALL);

    const second = await migrateToLatest(db);
    expect(second.ranNow).toEqual([]);
    expect(second.applied).toEqual(first.applied);
    await assertMigrated(db);

    // Another process (handle) sees the same state and has nothing to do either.
    const other = await h.open();
    expect((await migrateToLatest(other)).ranNow).toEqual([]);
  });

  it('creates every table of the Schema, and nothing else', async () => {
    const db = await h.openMigrated();
    const tables = (await db.kysely.introspection.getTables())
      .map((t) => t.name)
      .filter((n) => !n.startsWith('kysely_'));
    expect(tables.sort()).toEqual([...TABLES].sort());
  });

  it('creates the default organisation once', async () => {
    const db = await h.openMigrated(); // ensures it already
    expect(await ensureDefaultOrganisation(db, AT)).toEqual({ created: false });
    expect(await ensureOrganisation(db, { id: 'acme', name: 'Acme', at: AT })).toEqual({
      created: true,
    });
    expect((await listOrganisations(db)).map((o) => o.id)).toEqual(['acme', DEFAULT_ORG_ID]);
  });

  it('behaves the same on both engines: cents, text order, blobs, constraints', async () => {
    const db = await h.openMigrated();
    const k = db.kysely;
    const base = { org_id: DEFAULT_ORG_ID, updated_at: AT, data: '{}' };
    await k
      .insertInto('properties')
      .values({
        ...base,
        id: 'P1',
        name: 'Oak',
        timezone: 'UTC',
        jurisdiction: 'US-CA',
        kind: 'residential',
      })
      .execute();
    // bigint cents beyond 2^31 come back as numbers on both engines.
    await k
      .insertInto('leases')
      .values({ ...base, id: 'L1', property_id: 'P1', rent_cents: 5_000_000_000 })
      .execute();
    const lease = await k.selectFrom('leases').selectAll().executeTakeFirstOrThrow();
    expect(lease.rent_cents).toBe(5_000_000_000);
    expect(lease.unit).toBe('');
    const count = await k
      .selectFrom('leases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);

    // Text compares by bytes on both engines.
    const ids = ['b', 'B', 'a', '_x', 'é', 'Z9', '2026-10-06T16:00:00.000Z', '2026-10-06'];
    for (const id of ids)
      await k
        .insertInto('settings')
        .values({ org_id: DEFAULT_ORG_ID, key: id, value: '1', updated_at: AT })
        .execute();
    const keys = await k.selectFrom('settings').select('key').orderBy('key').execute();
    expect(keys.map((r) => r.key)).toEqual(
      [...ids].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1)),
    );

    // Blobs are Buffers both ways.
    const bytes = Buffer.from([0, 1, 2, 255, 37]);
    await k
      .insertInto('documents')
      .values({
        sha256: 'd1',
        bytes,
        content_type: 'application/pdf',
        byte_size: 5,
        created_at: AT,
      })
      .execute();
    const doc = await k.selectFrom('documents').selectAll().executeTakeFirstOrThrow();
    expect(Buffer.isBuffer(doc.bytes)).toBe(true);
    expect(Buffer.compare(doc.bytes, bytes)).toBe(0);

    // Foreign keys are enforced (SQLite's are off unless asked for).
    await expect(
      k
        .insertInto('leases')
        .values({ ...base, id: 'L2', property_id: 'nope', rent_cents: 1 })
        .execute(),
    ).rejects.toThrow();
    // Unique e-mail per organisation.
    const user = { org_id: DEFAULT_ORG_ID, email: 'a@example.com', role: 'admin', created_at: AT };
    await k
      .insertInto('users')
      .values({ ...user, id: 'u1' })
      .execute();
    await expect(
      k
        .insertInto('users')
        .values({ ...user, id: 'u2' })
        .execute(),
    ).rejects.toThrow();
    // Replies without a provider id never conflict; a replayed provider id does.
    const reply = {
      org_id: DEFAULT_ORG_ID,
      channel: 'sms',
      body: 'I will pay Friday',
      received_at: AT,
      created_at: AT,
    };
    await k
      .insertInto('replies')
      .values({ ...reply, id: 'r1' })
      .execute();
    await k
      .insertInto('replies')
      .values({ ...reply, id: 'r2' })
      .execute();
    await k
      .insertInto('replies')
      .values({ ...reply, id: 'r3', provider: 'twilio', provider_id: 'SM1' })
      .execute();
    await expect(
      k
        .insertInto('replies')
        .values({ ...reply, id: 'r4', provider: 'twilio', provider_id: 'SM1' })
        .execute(),
    ).rejects.toThrow();

    // Booleans bind on both engines.
    const { rows } = await sql<{
      x: number;
    }>`select case when ${true} then 1 else 0 end as x`.execute(k);
    expect(Number(rows[0]!.x)).toBe(1);
  });

  it('rolls a failed transaction back and refuses writes in a snapshot', async () => {
    const db = await h.openMigrated();
    const setting = { org_id: DEFAULT_ORG_ID, value: '1', updated_at: AT };
    await expect(
      db.transaction(async (trx) => {
        expect(trx.dialect).toBe(h.dialect);
        await trx
          .insertInto('settings')
          .values({ ...setting, key: 'rolled-back' })
          .execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      db.snapshot((trx) =>
        trx
          .insertInto('settings')
          .values({ ...setting, key: 'ro' })
          .execute(),
      ),
    ).rejects.toThrow();
    // The handle is still usable for writes afterwards.
    await db.transaction((trx) =>
      trx
        .insertInto('settings')
        .values({ ...setting, key: 'ok' })
        .execute(),
    );
    const keys = await db.kysely
      .selectFrom('settings')
      .select('key')
      .where('key', 'in', ['rolled-back', 'ro', 'ok'])
      .execute();
    expect(keys.map((r) => r.key)).toEqual(['ok']);
  });
});
