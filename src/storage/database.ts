/**
 * The one `Db` type: a Kysely instance over SQLite (embedded default) or PostgreSQL, chosen
 * by a URL (`--db` / `ARREARS_DB`). Everything engine-specific lives in dialects/*.ts; the
 * schema, the migrations and the repositories are the same for both.
 *
 * Conventions both engines share (see schema.ts): money is integer cents (`bigint`), local
 * dates are TEXT `YYYY-MM-DD`, instants are TEXT ISO-8601 UTC (`storedInstant`), JSON is
 * TEXT, text compares by bytes, there are no boolean columns.
 */
import { isAbsolute, resolve } from 'node:path';
import { Kysely, sql, type ColumnDataType, type Expression, type Transaction } from 'kysely';
import { InputError } from '../domain/errors.js';
import {
  createPostgresDialect,
  openPostgresPool,
  postgresColumnTypes,
  redactPostgresUrl,
} from './dialects/postgres.js';
import { createSqliteDialect, openSqliteDatabase, sqliteColumnTypes } from './dialects/sqlite.js';
import type { Schema } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** Column types whose spelling differs between engines (used by migrations). */
export interface ColumnTypes {
  text: ColumnDataType | Expression<unknown>;
  blob: ColumnDataType | Expression<unknown>;
}

/** A transaction opened by `Db.transaction`; knows its engine for the rare dialect branch. */
export type DbTransaction = Transaction<Schema> & { readonly dialect: DialectName };

export interface Db {
  readonly kysely: Kysely<Schema>;
  readonly dialect: DialectName;
  /** The URL with any password masked, for messages. */
  readonly url: string;
  /**
   * Runs `fn` in a read-write transaction: committed when it resolves, rolled back when it
   * throws. On SQLite it takes the write lock at BEGIN (one writer at a time). Do not open
   * a transaction inside another: pass the `DbTransaction` down instead.
   */
  transaction<T>(fn: (trx: DbTransaction) => Promise<T>): Promise<T>;
  /** Runs `fn` in a read-only transaction that sees one consistent snapshot. */
  snapshot<T>(fn: (trx: DbTransaction) => Promise<T>): Promise<T>;
  /** Closes the connection (SQLite) or pool (PostgreSQL). Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_DB_URL = 'sqlite:./arrears.db';

export const ACCEPTED_DB_URLS =
  'sqlite:PATH (e.g. sqlite:./arrears.db), sqlite::memory:, or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (postgresql:// too)';

/** `--db` flag, else `ARREARS_DB`, else `sqlite:./arrears.db`. */
export function resolveDbUrl(
  flag?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (flag !== undefined) return flag;
  const fromEnv = env.ARREARS_DB;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : DEFAULT_DB_URL;
}

export type DatabaseTarget =
  { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** Parses a database URL; a relative SQLite path is resolved against `cwd`. */
export function parseDbUrl(url: string, cwd: string = process.cwd()): DatabaseTarget {
  const text = url.trim();
  if (/^postgres(ql)?:\/\/./i.test(text)) return { dialect: 'postgres', url: text };
  const sqlite = /^sqlite:(.*)$/i.exec(text);
  if (sqlite) {
    // sqlite:PATH; sqlite:///abs/path and sqlite://./rel are accepted as the same PATH.
    let path = sqlite[1]!;
    if (path.startsWith('//')) path = path.slice(2);
    if (path === ':memory:') return { dialect: 'sqlite', path };
    if (path !== '')
      return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  throw new InputError([
    {
      path: 'database URL',
      message: `\`${maskAny(text)}\` is not a database URL; use ${ACCEPTED_DB_URLS}`,
    },
  ]);
}

export async function openDatabase(url: string, options: { cwd?: string } = {}): Promise<Db> {
  const target = parseDbUrl(url, options.cwd);
  if (target.dialect === 'sqlite') {
    const raw = openSqliteDatabase(target.path);
    const kysely = new Kysely<Schema>({ dialect: createSqliteDialect(raw) });
    return makeDb(kysely, 'sqlite', `sqlite:${target.path}`, async () => {
      await kysely.destroy();
      if (raw.open) raw.close(); // Kysely closes it only once it has run a query
    });
  }
  const pool = await openPostgresPool(target.url);
  const kysely = new Kysely<Schema>({ dialect: createPostgresDialect(pool) });
  return makeDb(kysely, 'postgres', redactPostgresUrl(target.url), async () => {
    await kysely.destroy();
    if (!pool.ended && !pool.ending) await pool.end();
  });
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  return dialect === 'postgres' ? postgresColumnTypes : sqliteColumnTypes;
}

/**
 * Lets this transaction's commit return before its WAL reaches the disk (PostgreSQL
 * `synchronous_commit = off` for this transaction only), for writes a scan can redo: a
 * scan commits thousands of times and would otherwise wait for a flush each time. A
 * crash of the database server can lose only the last fraction of a second of such
 * commits, and never one that a later ordinary commit (a dispatch claim, an approval)
 * followed, because the log is flushed in order; the next scan writes the lost rows again.
 */
export async function commitWithoutFlushWait(trx: DbTransaction): Promise<void> {
  if (trx.dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
}

/** Runs `fn` in `target` if it is already a transaction, else in a new one. */
export function withTransaction<T>(
  target: Db | DbTransaction,
  fn: (trx: DbTransaction) => Promise<T>,
): Promise<T> {
  return isDb(target) ? target.transaction(fn) : fn(target);
}

/** The Kysely instance to read with: the Db's, or the transaction itself. */
export function queryable(target: Db | Kysely<Schema>): Kysely<Schema> {
  return isDb(target) ? target.kysely : target;
}

function isDb(target: Db | Kysely<Schema>): target is Db {
  return 'kysely' in target && 'snapshot' in target;
}

/**
 * The one stored spelling of an instant, `YYYY-MM-DDTHH:MM:SS.sssZ`, so that instants
 * compare correctly as text on both engines (`…00Z` and `…00.000Z` would not).
 */
export function storedInstant(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an instant: ${String(value)}`);
  return date.toISOString();
}

function makeDb(
  kysely: Kysely<Schema>,
  dialect: DialectName,
  url: string,
  destroy: () => Promise<void>,
): Db {
  let closing: Promise<void> | undefined;
  const tag = (trx: Transaction<Schema>): DbTransaction =>
    Object.defineProperty(trx, 'dialect', { value: dialect, enumerable: false }) as DbTransaction;
  return {
    kysely,
    dialect,
    url,
    transaction: (fn) => kysely.transaction().execute((trx) => fn(tag(trx))),
    snapshot: (fn) =>
      kysely
        .transaction()
        .setAccessMode('read only')
        .setIsolationLevel('repeatable read')
        .execute((trx) => fn(tag(trx))),
    close: () => (closing ??= destroy()),
  };
}

function maskAny(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
