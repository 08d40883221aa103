/** Runs the versioned migrations of migrations/index.ts with Kysely's Migrator. */
import { Migrator } from 'kysely';
import { AppError } from '../domain/errors.js';
import type { Db } from './database.js';
import { migrationProvider } from './migrations/index.js';

export interface MigrationStatus {
  /** Already applied, oldest first, with when. */
  applied: { name: string; executedAt: string }[];
  /** Not applied yet, in the order they would run. */
  pending: string[];
}

export interface MigrationReport extends MigrationStatus {
  /** Applied by this run (empty when the database was up to date). */
  ranNow: string[];
}

function migrator(db: Db): Migrator {
  // The Migrator only creates its own bookkeeping tables; it does not need our Schema type.
  return new Migrator({ db: db.kysely, provider: migrationProvider(db.dialect) });
}

export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const all = await migrator(db).getMigrations();
  return {
    applied: all
      .filter((m) => m.executedAt !== undefined)
      .map((m) => ({ name: m.name, executedAt: m.executedAt!.toISOString() })),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}

/** Applies every pending migration, each in its own transaction; a no-op when up to date. */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed ?? '(setup)'} failed on ${db.url}: ${why}`, {
      cause: error,
    });
  }
  const status = await migrationStatus(db);
  return {
    ...status,
    ranNow: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}

/** Throws a clear error when the database is missing migrations. */
export async function assertMigrated(db: Db): Promise<void> {
  const { pending } = await migrationStatus(db);
  if (pending.length > 0)
    throw new AppError(
      'conflict',
      `the database ${db.url} is missing migration${pending.length === 1 ? '' : 's'} ` +
        `${pending.join(', ')}; run \`arrears migrate\` first`,
    );
}
