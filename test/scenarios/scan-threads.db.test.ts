/**
 * A scan evaluated on worker threads stores exactly what the same scan evaluated on its
 * own thread stores: the same outbox rows, lease states, cases and "what changed", on
 * SQLite and PostgreSQL. Two organisations get the same portfolio; one is scanned inline,
 * the other on worker threads, over several batches, on a first day and ten days later.
 */
import { expect, it } from 'vitest';
import { benchPortfolio } from '../../bench/fixtures.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import {
  evaluatorYoungGenerationMb,
  scanPortfolio,
  type ScanResult,
} from '../../src/app/scan-portfolio.js';
import type { Db } from '../../src/storage/database.js';
import { storesFor } from '../../src/main.js';
import { forEachDialect } from '../support/databases.js';
import { benchOrganisation, scanStored } from '../support/scan-stored.js';

const FIRST = Date.parse('2026-11-05T20:00:00Z');
const LATER = FIRST + 10 * 86_400_000;
const portfolioText = JSON.stringify(benchPortfolio(300));

/** Leases whose pay links a scan asked for, by organisation. */
const linksAsked = new Map<string, number>();
/** Every lease pays online at its own page (as a payments connector's links would). */
const payLinks = (orgId: string, leases: readonly { leaseId: string }[]) => {
  linksAsked.set(orgId, (linksAsked.get(orgId) ?? 0) + leases.length);
  return Promise.resolve(
    new Map(leases.map((l) => [l.leaseId, `https://pay.example/${l.leaseId}`])),
  );
};

async function scannedTwice(
  db: Db,
  orgId: string,
  threads: number[],
  options: { links?: boolean; batchSize?: number } = {},
): Promise<ScanResult[]> {
  const clock = fixedClock(FIRST);
  const deps = { clock, ...storesFor(db), ...(options.links ? { payLinks } : {}) };
  await benchOrganisation(deps, db, orgId, portfolioText);
  const results: ScanResult[] = [];
  for (const at of [FIRST, LATER]) {
    clock.set(at);
    results.push(
      await scanPortfolio(deps, {
        orgId,
        at,
        batchSize: options.batchSize ?? 50,
        threads: threads.shift(),
      }),
    );
  }
  return results;
}

const withoutIds = (r: ScanResult) => ({ ...r, scanId: undefined });

forEachDialect('scan on worker threads', (h) => {
  it('stores exactly what the same scan on one thread stores', async () => {
    const db = await h.openMigrated();
    const inline = await scannedTwice(db, 'inline', [0, 0]);
    // Two threads (batches in turn, each rendered where it was evaluated), then one.
    const threaded = await scannedTwice(db, 'threads', [2, 1]);

    expect(inline[0]!.evaluated).toBe(300);
    expect(inline[0]!.queued).toBeGreaterThan(0);
    expect(inline[1]!.evaluated).toBeGreaterThan(0);
    expect(threaded.map(withoutIds)).toEqual(inline.map(withoutIds));
    const a = await scanStored(db, 'inline');
    const b = await scanStored(db, 'threads');
    expect(b.outbox.length).toBe(a.outbox.length);
    expect(b).toEqual(a);
  }, 120_000);

  it('stores the same with batches large enough for a larger young generation', async () => {
    expect(evaluatorYoungGenerationMb(50)).toBeUndefined();
    expect(evaluatorYoungGenerationMb(2_000)).toBeUndefined();
    expect(evaluatorYoungGenerationMb(4_000)).toBe(192);
    const db = await h.openMigrated();
    const inline = await scannedTwice(db, 'inline', [0, 0], { batchSize: 4_000 });
    const threaded = await scannedTwice(db, 'threads', [1, 1], { batchSize: 4_000 });
    expect(threaded.map(withoutIds)).toEqual(inline.map(withoutIds));
    expect(await scanStored(db, 'threads')).toEqual(await scanStored(db, 'inline'));
  }, 120_000);

  it('renders the pay links looked up after the evaluation, as on one thread', async () => {
    linksAsked.clear();
    const db = await h.openMigrated();
    const inline = await scannedTwice(db, 'inline', [0, 0], { links: true });
    const threaded = await scannedTwice(db, 'threads', [2, 1], { links: true });

    expect(threaded.map(withoutIds)).toEqual(inline.map(withoutIds));
    const a = await scanStored(db, 'inline');
    const b = await scanStored(db, 'threads');
    expect(b).toEqual(a);
    expect(linksAsked.get('threads')).toBeGreaterThan(0);
    expect(linksAsked.get('threads')).toBe(linksAsked.get('inline'));
  }, 120_000);
});
