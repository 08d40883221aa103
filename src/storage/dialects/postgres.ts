/**
 * PostgreSQL quirks, in one place (node-postgres pool, many processes).
 *
 * - bigint (int8: money in cents, COUNT(*)) comes back from node-postgres as a string;
 *   this pool parses it to a number, as SQLite returns it, and refuses a value beyond
 *   2^53 rather than round it. The parser is set on this pool only, not globally.
 * - Text columns are `text collate "C"`: comparisons and ORDER BY go by bytes, as on
 *   SQLite, whatever the database's locale (ids, ISO dates and instants sort the same on
 *   both engines).
 * - `bytea` for blobs (Buffer both ways, as better-sqlite3 does).
 * - Locks: transactions run at READ COMMITTED; a writer that must read-then-write a shared
 *   row locks it with an UPDATE first (see repos/audit-repo.ts) or `FOR UPDATE`.
 */
import { PostgresDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import type { ColumnTypes } from '../database.js';

export const postgresColumnTypes: ColumnTypes = { text: sql`text collate "C"`, blob: 'bytea' };

const INT8_OID = 20;

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new RangeError(`bigint ${value} is beyond 2^53 and cannot be read as a number`);
  return n;
}

const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8_OID && format !== 'binary'
    ? parseInt8
    : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser;

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages. */
export function redactPostgresUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

/** A pool that has proved it can connect; throws a readable error otherwise. */
export async function openPostgresPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'arrears',
    // No JIT compilation: on large tables the planner costs a scan batch's statements
    // (a few thousand leases through their indexes) above jit_above_cost, and compiling
    // each one took longer than running it (a 1,000,000-lease scan five times slower).
    // An `options` parameter in the URL replaces this.
    options: '-c jit=off',
    max: 10,
    connectionTimeoutMillis: 10_000,
    types: { getTypeParser },
  });
  // An idle client that loses its connection emits 'error'; the next query reports it.
  pool.on('error', () => undefined);
  // So does a client in use between two queries (inside a transaction) when the server
  // goes away: its query fails with the error, the pool then drops it. Unheard, the event
  // would crash the process (a worker during a PostgreSQL restart).
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const why = describeError(error);
    throw new Error(`cannot connect to PostgreSQL at ${redactPostgresUrl(url)}: ${why}`, {
      cause: error,
    });
  }
  return pool;
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.map(describeError).join(', ');
  if (error instanceof Error)
    return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}

export function createPostgresDialect(pool: pg.Pool): Dialect {
  return new PostgresDialect({ pool });
}
