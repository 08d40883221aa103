/**
 * One repository suite, every engine: `forEachDialect(name, (h) => { it(...) })` in a
 * `*.db.test.ts` file runs the suite twice, on a fresh temporary SQLite file and on a
 * throw-away PostgreSQL database created for it and dropped afterwards.
 *
 * PostgreSQL: `ARREARS_TEST_POSTGRES` (a URL of a maintenance database, e.g.
 * `postgres://postgres@127.0.0.1:5432/postgres`) or else 127.0.0.1:5432 as user `postgres`,
 * then `root`, with trust auth. When none answers, the PostgreSQL suite is skipped with a
 * visible "PostgreSQL suite skipped: <reason>" — unless ARREARS_REQUIRE_POSTGRES=1, then
 * it fails.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openDatabase, type Db, type DialectName } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { ensureDefaultOrganisation } from '../../src/storage/repos/organisations-repo.js';

export interface DialectHarness {
  readonly dialect: DialectName;
  /** URL of this suite's own database; read it inside hooks and tests. */
  readonly url: string;
  /** A new handle (own connection or pool) on the suite's database; closed after the suite. */
  open(): Promise<Db>;
  /** `open()`, then migrate and make sure the `default` organisation exists. */
  openMigrated(): Promise<Db>;
}

type Probe = { ok: true; maintenanceUrl: string; user: string } | { ok: false; reason: string };

const CANDIDATES = process.env.ARREARS_TEST_POSTGRES
  ? [process.env.ARREARS_TEST_POSTGRES]
  : ['postgres', 'root'].map((user) => `postgres://${user}@127.0.0.1:5432/postgres`);

async function probePostgres(): Promise<Probe> {
  const failures: string[] = [];
  for (const url of CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ user: string; can: boolean }>(
        'select current_user as user, (rolcreatedb or rolsuper) as can from pg_roles where rolname = current_user',
      );
      const row = rows[0];
      if (row?.can) return { ok: true, maintenanceUrl: url, user: row.user };
      failures.push(`${redact(url)}: role may not create databases`);
    } catch (error) {
      failures.push(`${redact(url)}: ${describeError(error)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { ok: false, reason: failures.join('; ') };
}

let probe: Promise<Probe> | undefined;
/** The PostgreSQL server used by the suites (probed once per test file). */
export function postgresProbe(): Promise<Probe> {
  return (probe ??= probePostgres());
}

const postgres = await postgresProbe();
let warned = false;

export function forEachDialect(name: string, fn: (h: DialectHarness) => void): void {
  describe(`${name} [sqlite]`, () => {
    const dir = { path: '' };
    const harness = makeHarness('sqlite', () => `sqlite:${join(dir.path, 'arrears.db')}`);
    beforeAll(() => {
      dir.path = mkdtempSync(join(tmpdir(), 'arrears-test-'));
    });
    afterAll(async () => {
      await harness.closeAll();
      rmSync(dir.path, { recursive: true, force: true });
    });
    fn(harness);
  });

  if (!postgres.ok) {
    const why = `PostgreSQL suite skipped: ${postgres.reason}`;
    if (process.env.ARREARS_REQUIRE_POSTGRES === '1') {
      describe(`${name} [postgres]`, () => {
        it('needs PostgreSQL (ARREARS_REQUIRE_POSTGRES=1)', () => {
          throw new Error(
            `ARREARS_REQUIRE_POSTGRES=1 but PostgreSQL is unusable: ${postgres.reason}`,
          );
        });
      });
      return;
    }
    if (!warned) console.warn(why);
    warned = true;
    describe.skip(`${name} [postgres] — ${why}`, () => fn(makeHarness('postgres', () => '')));
    return;
  }

  describe(`${name} [postgres]`, () => {
    const database = `arrears_test_${randomBytes(6).toString('hex')}`;
    const url = withDatabase(postgres.maintenanceUrl, database);
    const harness = makeHarness('postgres', () => url);
    beforeAll(async () => {
      await maintenance(`create database ${database}`);
    });
    afterAll(async () => {
      await harness.closeAll();
      await maintenance(`drop database if exists ${database} with (force)`).catch(() =>
        maintenance(`drop database if exists ${database}`),
      );
    });
    fn(harness);
  });
}

function makeHarness(
  dialect: DialectName,
  url: () => string,
): DialectHarness & { closeAll(): Promise<void> } {
  const opened: Db[] = [];
  const open = async () => {
    const db = await openDatabase(url());
    opened.push(db);
    return db;
  };
  return {
    dialect,
    get url() {
      return url();
    },
    open,
    async openMigrated() {
      const db = await open();
      await migrateToLatest(db);
      await ensureDefaultOrganisation(db, '2026-01-01T00:00:00.000Z');
      return db;
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((db) => db.close()));
    },
  };
}

async function maintenance(statement: string): Promise<void> {
  if (!postgres.ok) return;
  const client = new pg.Client({ connectionString: postgres.maintenanceUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.map(describeError).join(', ');
  if (error instanceof Error)
    return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
