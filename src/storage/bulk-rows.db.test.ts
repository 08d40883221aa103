/**
 * Bulk inserts on every engine: what is read back is exactly what was written, whether a
 * column varies from row to row or has one value in all of them (written once into the
 * statement on PostgreSQL), awkward characters included.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import type { Db } from './database.js';
import { insertBulk } from './repos/bulk-rows.js';
import { ensureOrganisation } from './repos/organisations-repo.js';

/** The organisation's connector_cursors rows, by connector. */
const storedRows = (db: Db, orgId: string) =>
  db.kysely
    .selectFrom('connector_cursors')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('connector')
    .execute();

const AWKWARD = `it's a \\ "quoted" \\' value\\n with ü, 😀 and E'' inside`;

forEachDialect('bulk rows', (h) => {
  it('reads back every value written, the same in every row or not', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'o1', name: 'One', at: '2026-11-05T20:00:00.000Z' });
    const rows = [0, 1, 2].map((i) => ({
      org_id: 'o1',
      connector: `c${i}`,
      stream: AWKWARD,
      cursor: null,
      last_run_at: '2026-11-05T20:00:00.000Z',
      last_error: i === 1 ? null : `${AWKWARD} ${i}`,
      updated_at: '',
    }));
    await db.transaction((trx) => insertBulk(trx, 'connector_cursors', rows));
    const stored = await storedRows(db, 'o1');
    expect(stored).toEqual(rows);
  });

  it('writes a single row, and rows whose every value is the same but one', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'o2', name: 'Two', at: '2026-11-05T20:00:00.000Z' });
    const row = (connector: string) => ({
      org_id: 'o2',
      connector,
      stream: 'source',
      cursor: 'x',
      last_run_at: null,
      last_error: null,
      updated_at: 'now',
    });
    await db.transaction((trx) => insertBulk(trx, 'connector_cursors', [row('a')]));
    await db.transaction((trx) => insertBulk(trx, 'connector_cursors', [row('b'), row('c')]));
    const stored = await storedRows(db, 'o2');
    expect(stored).toEqual([row('a'), row('b'), row('c')]);
  });
});
