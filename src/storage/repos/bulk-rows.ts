/**
 * Many rows in one statement, on both engines. PostgreSQL takes them as one array parameter
 * per column (`unnest($1::text[], $2::int8[], …)`): a few bind values instead of one per
 * cell, so a statement of thousands of rows costs the server one parse. SQLite takes
 * `VALUES (?, …), …` up to its bound-parameter limit (it runs in-process: there is no round
 * trip to save).
 *
 * Why arrays, not one JSON parameter (`json_to_recordset`, as this was first written): the
 * server reads an array literal about five times faster than a JSON text of the same rows
 * (29 ms against 6 ms for a scan's 4,000 lease states), and a full scan of a million leases
 * writes some three million rows.
 */
import { CompiledQuery, sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DbTransaction, DialectName } from '../database.js';

/** SQLite's limit on bound parameters in one statement (SQLITE_MAX_VARIABLE_NUMBER). */
export const SQLITE_MAX_PARAMS = 32_766;
/** Rows per PostgreSQL statement: big enough to amortise the round trip. */
export const PG_BATCH_ROWS = 5_000;

/**
 * The schema's integer columns (every name that is an integer in some table); every other
 * column is text. A column added as an integer must be listed here to be bulk-written.
 */
const PG_INTEGER_COLUMNS: Readonly<Record<string, string>> = {
  amount_cents: 'int8',
  approvals_required: 'int4',
  attempts: 'int4',
  audit_seq: 'int4',
  byte_size: 'int4',
  episode: 'int4',
  last_seq: 'int4',
  policy_version: 'int4',
  position: 'int4',
  rent_cents: 'int8',
  reported_balance_cents: 'int8',
  seq: 'int4',
  version: 'int4',
};

export type Row = Record<string, unknown>;

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Whether the organisation has any row in `table` yet: before its first rows are written
 * (a first import, a first scan) a bulk writer can skip what only existing rows need.
 */
export async function organisationHasRows(
  trx: DbTransaction,
  table: 'ledger_entries' | 'lease_state' | 'properties' | 'tenants' | 'leases',
  orgId: string,
): Promise<boolean> {
  const { rows } = await sql<{ one: number }>`
    select 1 as one from ${sql.table(table)} where org_id = ${orgId} limit 1`.execute(trx);
  return rows.length > 0;
}

/**
 * PostgreSQL: `SELECT … FROM unnest($1::text[], …)` over `columns`, and its parameters (one
 * array per column, numbered from `firstParam`: a statement's own parameters come first). A
 * column with the same value in every row (the organisation, the time of the write, a
 * column that is null throughout) is written once into the statement as a literal instead
 * of into every row: a scan's rows are a third smaller to build, send and parse.
 */
export function pgRecordset(columns: readonly string[], rows: readonly Row[], firstParam = 1) {
  const type = (c: string) => PG_INTEGER_COLUMNS[c] ?? 'text';
  const constant = rows.length > 1 ? constantColumns(columns, rows) : new Map<string, unknown>();
  const varying = columns.filter((c) => !constant.has(c));
  const select = columns.map((c) =>
    constant.has(c)
      ? `${sqlLiteral(constant.get(c))}::${type(c)} as ${quoteIdent(c)}`
      : `r.${quoteIdent(c)}`,
  );
  const arrays = varying.map((c, i) => `$${firstParam + i}::${type(c)}[]`);
  return {
    text: `select ${select.join(', ')} from unnest(${arrays.join(', ')}) as r(${varying.map(quoteIdent).join(', ')})`,
    params: varying.map((c) => pgArrayLiteral(rows.map((r) => r[c]))) as unknown[],
  };
}

/** JSON's escapes other than `\"` and `\\` (a control character, a lone surrogate). */
const OTHER_ESCAPE = /\\[^"\\]/;

/**
 * `values` as a PostgreSQL array literal: `{"a",null,3}`. A string is quoted with `\"` and
 * `\\` escaped, which is how JSON writes them too, so the native JSON.stringify writes the
 * literal unless a value needs another JSON escape (`\n`, `\u0001`: the array literal
 * would read them as `n` and `u0001`); those values are quoted here. An object is its JSON
 * text (as a text column holds it); null, undefined and a number that is not finite are
 * NULL.
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  let plain = values;
  if (values.some((v) => typeof v === 'object' && v !== null))
    plain = values.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v));
  const json = JSON.stringify(plain);
  if (!OTHER_ESCAPE.test(json)) return `{${json.slice(1, -1)}}`;
  return `{${plain.map(arrayElement).join(',')}}`;
}

function arrayElement(v: unknown): string {
  if (typeof v === 'string') return `"${v.replace(/["\\]/g, '\\$&')}"`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  return 'null';
}

/**
 * The columns whose value is the same scalar in every row (at least one column is left out,
 * so the rows have one array; a column with an object in it is never one: it is written as
 * the object's JSON, which a literal of the object would not be).
 */
function constantColumns(columns: readonly string[], rows: readonly Row[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const c of columns) {
    const first = rows[0]![c] ?? null;
    let same = true;
    for (const r of rows) {
      const v = r[c] ?? null;
      if (v !== first || (typeof v === 'object' && v !== null)) {
        same = false;
        break;
      }
    }
    if (same) found.set(c, first);
  }
  if (found.size === columns.length) found.delete(columns[0]!);
  return found;
}

/** A scalar as an SQL literal (an E'' string, whatever standard_conforming_strings says). */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `E'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * PostgreSQL: `INSERT INTO table (the first row's columns) SELECT … FROM unnest($1, …)` and
 * its parameters (numbered from `firstParam`), for one statement's worth of rows (at most
 * PG_BATCH_ROWS): what insertBulk runs, and what a larger statement (a data-modifying CTE)
 * can embed after its own parameters.
 */
export function pgInsert(table: string, rows: readonly Row[], firstParam = 1) {
  const columns = Object.keys(rows[0]!);
  const { text, params } = pgRecordset(columns, rows, firstParam);
  return {
    text: `insert into ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) ${text}`,
    params,
  };
}

/** SQLite: `VALUES (?, …), …` for `rows`, and its parameters. */
export function sqliteValues(columns: readonly string[], rows: readonly Row[]) {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const params: unknown[] = [];
  for (const r of rows) for (const c of columns) params.push(r[c] ?? null);
  return { text: `values ${rows.map(() => tuple).join(', ')}`, params };
}

/** Rows per statement for a table of `columns` columns on this engine. */
export function batchRows(trx: DbTransaction, columns: number): number {
  return trx.dialect === 'sqlite' ? Math.floor(SQLITE_MAX_PARAMS / columns) : PG_BATCH_ROWS;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `INSERT INTO table (columns of the first row) <rows> <tail>` in as few statements as the
 * engine allows; the rows each statement returns (with a `returning` tail), in order.
 * `tail` is plain SQL after the rows: `on conflict … do …`, `returning …`.
 */
export async function insertBulk<R = Row>(
  trx: DbTransaction,
  table: string,
  rows: readonly Row[],
  tail = '',
): Promise<R[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const head = `insert into ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) `;
  const out: R[] = [];
  for (const part of chunks(rows, batchRows(trx, columns.length))) {
    // SQLite reads `INSERT … VALUES … ON CONFLICT` fine; `INSERT … SELECT … ON CONFLICT` would
    // need a WHERE to parse, which PostgreSQL's SELECT from unnest does not need.
    let statement: { text: string; params: unknown[] };
    if (trx.dialect === 'sqlite') {
      const body = sqliteValues(columns, part);
      statement = { text: `${head}${body.text}`, params: body.params };
    } else statement = pgInsert(table, part);
    const { rows: returned } = await trx.executeQuery<R>(
      CompiledQuery.raw(`${statement.text} ${tail}`, statement.params),
    );
    out.push(...returned);
  }
  return out;
}

/**
 * `column` is one of `ids` (at most one statement's worth): on PostgreSQL one array
 * parameter (`= any($1::text[])`), which it binds and parses in a fraction of the time of
 * an IN list of thousands of parameters (a scan reads a dozen such lists per batch); on
 * SQLite, in-process, the IN list.
 */
export function oneOf(
  dialect: DialectName,
  column: string,
  ids: readonly string[],
): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  return dialect === 'postgres'
    ? // The ids as their array literal: the driver's own conversion of a JavaScript array
      // builds it a character at a time (a scan binds a million ids this way).
      sql<SqlBool>`${ref} = any(${pgArrayLiteral(ids)}::text[])`
    : sql<SqlBool>`${ref} in (${sql.join(ids)})`;
}
