/**
 * The HealthPort and MetricsPort over the database, for one organisation (the one the
 * server runs for): database reachable, migrations current, last scan, queue depth,
 * scans finished since the previous `/metrics` scrape.
 */
import { sql } from 'kysely';
import type { Clock } from '../../app/ports/clock.js';
import type {
  DispatchObservation,
  HealthPort,
  MetricsPort,
  OutboxCounts,
  ScanObservation,
} from '../../app/ports/health.js';
import type { Db } from '../database.js';
import { migrationStatus } from '../migrate.js';

export function createHealthRepo(db: Db, orgId: string): HealthPort {
  return {
    async ping() {
      await sql`select 1`.execute(db.kysely);
    },
    async pendingMigrations() {
      return (await migrationStatus(db)).pending;
    },
    lastScanFinishedAt: () => lastScanFinishedAt(db, orgId),
    outboxCounts: () => outboxCounts(db, orgId),
  };
}

export async function outboxCounts(db: Db, orgId: string): Promise<OutboxCounts> {
  const rows = await db.kysely
    .selectFrom('outbox')
    .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
    .where('org_id', '=', orgId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export async function lastScanFinishedAt(db: Db, orgId: string): Promise<string | null> {
  // Walks scans_started_idx backwards; a scan still running is skipped.
  const row = await db.kysely
    .selectFrom('scans')
    .select('finished_at')
    .where('org_id', '=', orgId)
    .where('finished_at', 'is not', null)
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.finished_at ?? null;
}

/** Scans are looked for this far back from the cursor (no scan runs longer). */
const SCAN_LOOKBACK_MS = 24 * 3600_000;
const SCAN_PAGE = 500;

export interface StorageMetricsOptions {
  clock: Clock;
  /** Where an in-process dispatcher's observations come from (none by default). */
  dispatches?: () => DispatchObservation[];
}

/**
 * A MetricsPort over the database: queue depth now, scans finished since the previous
 * call (the first call reports those finished after this port was created), and whatever
 * `dispatches` drains. Calls are serialised so that each scan is reported once.
 */
export function createStorageMetrics(
  db: Db,
  orgId: string,
  options: StorageMetricsOptions,
): MetricsPort {
  let cursor = { at: new Date(options.clock.now()).toISOString(), id: '' };
  let queue: Promise<unknown> = Promise.resolve();

  async function scansSinceCursor(): Promise<ScanObservation[]> {
    const since = new Date(Date.parse(cursor.at) - SCAN_LOOKBACK_MS).toISOString();
    const { at, id } = cursor;
    const rows = await db.kysely
      .selectFrom('scans')
      .select(['id', 'started_at', 'finished_at'])
      .where('org_id', '=', orgId)
      .where('started_at', '>=', since)
      .where((eb) =>
        eb.or([
          eb('finished_at', '>', at),
          eb.and([eb('finished_at', '=', at), eb('id', '>', id)]),
        ]),
      )
      .orderBy('finished_at')
      .orderBy('id')
      .limit(SCAN_PAGE)
      .execute();
    const last = rows.at(-1);
    if (last?.finished_at) cursor = { at: last.finished_at, id: last.id };
    return rows.flatMap((r) =>
      r.finished_at === null
        ? []
        : [
            {
              id: r.id,
              finishedAt: r.finished_at,
              durationSeconds:
                Math.max(0, Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000,
            },
          ],
    );
  }

  async function collect() {
    const outboxItems = await outboxCounts(db, orgId);
    const scans = await scansSinceCursor();
    const last = await lastScanFinishedAt(db, orgId);
    return {
      outboxItems,
      scans,
      lastScanFinishedAt: last,
      dispatches: options.dispatches?.() ?? [],
    };
  }

  return {
    collect() {
      const run = queue.then(collect, collect);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
