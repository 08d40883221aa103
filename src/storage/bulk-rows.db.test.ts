/**
 * Bulk inserts on every engine: what is read back is exactly what was written, whether a
 * column varies from row to row or has one value in all of them (written once into the
 * statement on PostgreSQL), awkward characters included (PostgreSQL reads them from array
 * literals, where only a quote and a backslash are escaped).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import type { Db } from './database.js';
import { insertBulk, pgArrayLiteral } from './repos/bulk-rows.js';
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

  it('reads back control characters, quotes, backslashes, braces and the word NULL', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'o3', name: 'Three', at: '2026-11-05T20:00:00.000Z' });
    const values = [
      'line one\nline two\ttabbed\r\u0007 bell',
      'a "quote", a \\ backslash and \\"both\\"',
      '{braces, commas}',
      'NULL',
      'null',
      '',
      '  spaced  ',
      '\u2028 separators \u2029',
    ];
    const rows = values.map((v, i) => ({
      org_id: 'o3',
      connector: `c${i}`,
      stream: v,
      cursor: i % 2 === 0 ? null : v,
      last_run_at: null,
      last_error: 'same in every row',
      updated_at: '',
    }));
    await db.transaction((trx) => insertBulk(trx, 'connector_cursors', rows));
    expect(await storedRows(db, 'o3')).toEqual(rows);
  });

  it('reads back integers, negative and large', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'o4', name: 'Four', at: '2026-11-05T20:00:00.000Z' });
    const rows = [1, -7, 2_147_483_647].map((seq, i) => ({
      org_id: 'o4',
      seq,
      at: '2026-11-05T20:00:00.000Z',
      actor: 'test',
      type: 'test.entry',
      subject: `s${i}`,
      data: '{"note":"line\\nbreak"}',
      data_hash: 'd',
      prev_hash: 'p',
      hash: `h${i}`,
    }));
    await db.transaction((trx) => insertBulk(trx, 'audit', rows));
    const stored = await db.kysely
      .selectFrom('audit')
      .selectAll()
      .where('org_id', '=', 'o4')
      .orderBy('seq')
      .execute();
    expect(stored).toEqual([rows[1], rows[0], rows[2]]);
  });

  it('reads back any string that has no NUL', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'o5', name: 'Five', at: '2026-11-05T20:00:00.000Z' });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme' }).filter((x) => !x.includes('\u0000')),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (streams) => {
          const connectorPrefix = `r${run++}-`;
          const rows = streams.map((stream, i) => ({
            org_id: 'o5',
            connector: `${connectorPrefix}${i}`,
            stream,
            cursor: null,
            last_run_at: null,
            last_error: null,
            updated_at: '',
          }));
          await db.transaction((trx) => insertBulk(trx, 'connector_cursors', rows));
          const stored = await db.kysely
            .selectFrom('connector_cursors')
            .select(['connector', 'stream'])
            .where('org_id', '=', 'o5')
            .where('connector', 'like', `${connectorPrefix}%`)
            .execute();
          const byConnector = new Map(stored.map((r) => [r.connector, r.stream]));
          expect(rows.map((r) => byConnector.get(r.connector))).toEqual(streams);
        },
      ),
      { numRuns: 60, seed: 20261201 },
    );
  });
});

it('writes array literals with the native JSON text when no value needs another escape', () => {
  expect(pgArrayLiteral(['a', null, 3, undefined, 'say "hi" \\ bye'])).toBe(
    '{"a",null,3,null,"say \\"hi\\" \\\\ bye"}',
  );
  // A newline is written as itself (JSON's \n would be read as the letter n).
  expect(pgArrayLiteral(['one\ntwo', 'x'])).toBe('{"one\ntwo","x"}');
  expect(pgArrayLiteral([{ a: 1 }, Number.NaN, true])).toBe('{"{\\"a\\":1}",null,true}');
  expect(pgArrayLiteral([])).toBe('{}');
});
