/**
 * SQLite quirks, in one place (better-sqlite3, embedded, one connection per process).
 *
 * - Pragmas: WAL (readers never block the writer), foreign keys ON (SQLite's default is
 *   off), busy_timeout 5000 ms (another process holding the write lock makes us wait, not
 *   fail).
 * - Write transactions start with BEGIN IMMEDIATE: they take the write lock up front, so
 *   two processes doing read-then-write (the audit chain head, the outbox) queue behind each
 *   other instead of one failing with SQLITE_BUSY when it upgrades. A read-only transaction
 *   (`setAccessMode('read only')`) is a plain BEGIN under `query_only`: a WAL snapshot that
 *   blocks nobody and refuses writes, as PostgreSQL's READ ONLY does.
 * - Booleans: SQLite has none and better-sqlite3 refuses to bind them; true/false are bound
 *   as 1/0, as PostgreSQL would coerce them. The schema itself has no boolean columns.
 * - Column types: plain `text` (byte-order comparisons, like PostgreSQL's "C" collation
 *   used there) and `blob`.
 */
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import type { ColumnTypes } from '../database.js';

export const sqliteColumnTypes: ColumnTypes = { text: 'text', blob: 'blob' };

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Opens the file (or `:memory:`) and applies the pragmas. Throws a readable error. */
export function openSqliteDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open SQLite database ${path}: ${why}`, { cause: error });
  }
  try {
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot use SQLite database ${path}: ${why}`, { cause: error });
  }
  return db;
}

export function createSqliteDialect(db: Database.Database): Dialect {
  return new ArrearsSqliteDialect({ database: bindingBooleans(db) });
}

class ArrearsSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  #readOnly = false;

  override async beginTransaction(
    connection: DatabaseConnection,
    settings?: TransactionSettings,
  ): Promise<void> {
    if (settings?.accessMode === 'read only') {
      await connection.executeQuery(CompiledQuery.raw('begin'));
      // Enforce read-only as PostgreSQL does; lifted again when the transaction ends.
      await connection.executeQuery(CompiledQuery.raw('pragma query_only = 1'));
      this.#readOnly = true;
    } else {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      await this.#endReadOnly(connection);
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      await this.#endReadOnly(connection);
    }
  }

  async #endReadOnly(connection: DatabaseConnection): Promise<void> {
    if (!this.#readOnly) return;
    this.#readOnly = false;
    await connection.executeQuery(CompiledQuery.raw('pragma query_only = 0'));
  }
}

function toSqliteParameters(parameters: ReadonlyArray<unknown>): unknown[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** Prepared statements kept per connection, by SQL text (least recently used dropped). */
export const SQLITE_STATEMENT_CACHE_SIZE = 256;
/** Longer SQL (multi-row inserts, long `in` lists) is prepared each time, not kept. */
export const SQLITE_STATEMENT_CACHE_MAX_SQL = 8192;

/**
 * Kysely prepares every query it runs; preparing is a large part of a short query's cost,
 * so the statements are kept by SQL text and reused (SQLite re-prepares one itself when
 * the schema changes under it). A statement still being iterated (a stream) is busy and
 * cannot run again until it finishes: should the same query come meanwhile (Kysely holds
 * the connection while it streams, so it should not), it gets a fresh statement. Memory
 * stays bounded: at most SQLITE_STATEMENT_CACHE_SIZE statements of short SQL.
 */
function bindingBooleans(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  const cached = (sqlText: string): Database.Statement => {
    if (sqlText.length > SQLITE_STATEMENT_CACHE_MAX_SQL) return db.prepare(sqlText);
    const hit = cache.get(sqlText);
    if (hit) {
      cache.delete(sqlText);
      cache.set(sqlText, hit);
      return hit;
    }
    const stmt = db.prepare(sqlText);
    cache.set(sqlText, stmt);
    if (cache.size > SQLITE_STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return stmt;
  };
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sqlText) {
      const stmt = cached(sqlText);
      const free = () => (stmt.busy ? db.prepare(sqlText) : stmt);
      return {
        reader: stmt.reader,
        all: (parameters) => free().all(toSqliteParameters(parameters)),
        run: (parameters) => free().run(toSqliteParameters(parameters)),
        iterate: (parameters) => free().iterate(toSqliteParameters(parameters)),
      };
    },
  };
}
