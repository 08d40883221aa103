/**
 * Buildium as a data source (reference §16). A pull is a sweep of four phases, one list
 * page per `pull()`, with the cursor saying where the sweep stands:
 *
 *   properties  GET /rentals                        (lastupdatedfrom = since)
 *   leases      GET /leases?leasestatuses=…         (lastupdatedfrom = since), with each
 *               lease's current tenants and its transactions
 *   owing       GET /leases/outstandingbalances     the balances to reconcile; an owing
 *               lease not read yet in this sweep has its transactions read too
 *   paid        leases that owed at the end of the last sweep and owe nothing now: their
 *               transactions (the payment that cleared them) — nothing else would show it,
 *               since a payment need not touch the lease's LastUpdatedDateTime (~)
 *
 * A first pull (no cursor) reads everything, transactions from the start; later sweeps
 * pass `lastupdatedfrom` = when the previous sweep began (less a few minutes for clock
 * disagreement; a repeat is an upsert) and read transactions dated up to 31 days before
 * it, for entries typed in late with an earlier date. Transactions voided in Buildium are
 * not removed here (~: no deletion feed is documented).
 *
 * Rentals without a US state (and ARREARS_BUILDIUM_STATE unset) and leases without
 * current tenants cannot be valid rows: they are left out and remembered in the cursor,
 * so their leases and balances are left out too instead of stopping the sync.
 */
import type { DataSourcePort, SourcePage } from '../../app/ports/sources.js';
import type { ConnectorLog } from '../context.js';
import type { BuildiumClient, ListPage } from './client.js';
import {
  balanceOf,
  entryOf,
  lastUpdatedParam,
  leaseOf,
  propertyOf,
  TRANSACTION_TYPES,
  type PropertyDefaults,
} from './map.js';

export interface BuildiumSourceOptions {
  client: BuildiumClient;
  defaults: PropertyDefaults;
  /** `leasestatuses` (Active, Past, Future). */
  leaseStatuses: readonly string[];
  /** `limit` of every list call (1–1000). */
  pageSize: number;
  now: () => number;
  log: ConnectorLog;
}

const PHASES = ['properties', 'leases', 'owing', 'paid'] as const;
type Phase = (typeof PHASES)[number];

interface Sweep {
  startedAt: string;
  phase: Phase;
  offset: number;
  /** Incremental sweeps: leases whose transactions were read. */
  done: number[];
  /** Leases with a balance in this sweep. */
  owing: number[];
}

export interface Cursor {
  v: 1;
  /** `lastupdatedfrom` of the sweep; null for a full pull. */
  since: string | null;
  /** Leases owing when the last sweep finished. */
  owed: number[];
  skippedProperties: number[];
  skippedLeases: number[];
  /** Present while a sweep is under way. */
  sweep?: Sweep;
}

const OVERLAP_MS = 5 * 60_000;
const LOOKBACK_MS = 31 * 86_400_000;

const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n));

export function decodeCursor(raw: string | null): Cursor | null {
  if (raw === null) return null;
  try {
    const c = JSON.parse(raw) as Partial<Cursor>;
    const sinceOk =
      c.since === null || (typeof c.since === 'string' && !Number.isNaN(Date.parse(c.since)));
    if (
      c.v !== 1 ||
      !sinceOk ||
      !ints(c.owed) ||
      !ints(c.skippedProperties) ||
      !ints(c.skippedLeases)
    )
      return null;
    const s = c.sweep;
    if (
      s !== undefined &&
      !(
        typeof s.startedAt === 'string' &&
        PHASES.includes(s.phase) &&
        Number.isInteger(s.offset) &&
        ints(s.done) &&
        ints(s.owing)
      )
    )
      return null;
    return c as Cursor;
  } catch {
    // Another version's cursor: start over with a full pull.
    return null;
  }
}

export const encodeCursor = (c: Cursor) => JSON.stringify(c);

export function createBuildiumSource(o: BuildiumSourceOptions): DataSourcePort {
  const limit = Math.min(1000, Math.max(1, Math.trunc(o.pageSize)));
  const statuses = o.leaseStatuses.length > 0 ? o.leaseStatuses.join(',') : undefined;

  /** Every transaction of a lease (since `from`), across as many pages as it takes. */
  async function ledgerOf(leaseId: number, from: string | undefined, signal?: AbortSignal) {
    const entries: Record<string, unknown>[] = [];
    for (let offset = 0; ;) {
      const page = await o.client.transactions(
        leaseId,
        {
          transactiondatefrom: from,
          transactiontypes: TRANSACTION_TYPES.join(','),
          orderby: 'Date',
          offset,
          limit,
        },
        signal,
      );
      for (const t of page.items) {
        const entry = entryOf(t, leaseId);
        if (entry) entries.push(entry);
      }
      offset += page.items.length;
      if (finished(page, offset)) return entries;
    }
  }

  const finished = (page: ListPage, offset: number) =>
    page.items.length === 0 ||
    (page.total !== null ? offset >= page.total : page.items.length < limit);

  return {
    async pull(raw, signal) {
      const c: Cursor = decodeCursor(raw) ?? {
        v: 1,
        since: null,
        owed: [],
        skippedProperties: [],
        skippedLeases: [],
      };
      const sweep: Sweep = c.sweep ?? {
        startedAt: new Date(o.now() - OVERLAP_MS).toISOString(),
        phase: 'properties',
        offset: 0,
        done: [],
        owing: [],
      };
      const incremental = c.since !== null;
      const from = incremental
        ? new Date(Date.parse(c.since!) - LOOKBACK_MS).toISOString().slice(0, 10)
        : undefined;
      const skippedProperties = new Set(c.skippedProperties);
      const skippedLeases = new Set(c.skippedLeases);
      const done = new Set(sweep.done);
      const owing = new Set(sweep.owing);
      const out = {
        properties: [] as Record<string, unknown>[],
        tenants: new Map<string, Record<string, unknown>>(),
        leases: [] as Record<string, unknown>[],
        ledger: [] as Record<string, unknown>[],
        balances: [] as { leaseId: string; balanceCents: number }[],
      };
      const changed = incremental ? { lastupdatedfrom: lastUpdatedParam(c.since!) } : {};
      let next: { phase: Phase; offset: number } | 'finished';

      const readLedger = async (leaseId: number) => {
        out.ledger.push(...(await ledgerOf(leaseId, from, signal)));
        if (incremental) done.add(leaseId);
      };

      switch (sweep.phase) {
        case 'properties': {
          const page = await o.client.rentals({ ...changed, offset: sweep.offset, limit }, signal);
          for (const rental of page.items) {
            const mapped = propertyOf(rental, o.defaults);
            if (mapped === null) continue;
            if (mapped.ok) {
              out.properties.push(mapped.row);
              skippedProperties.delete(mapped.id);
            } else {
              skippedProperties.add(mapped.id);
              o.log.warn({ connector: 'buildium', rental: mapped.id }, mapped.reason);
            }
          }
          const offset = sweep.offset + page.items.length;
          next = finished(page, offset)
            ? { phase: 'leases', offset: 0 }
            : { phase: 'properties', offset };
          break;
        }
        case 'leases': {
          const page = await o.client.leases(
            { leasestatuses: statuses, ...changed, offset: sweep.offset, limit },
            signal,
          );
          for (const raw of page.items) {
            const mapped = leaseOf(raw);
            if (mapped === null) continue;
            const propertyId = (raw as { PropertyId: number }).PropertyId;
            if (!mapped.ok || skippedProperties.has(propertyId)) {
              skippedLeases.add(mapped.id);
              o.log.warn(
                { connector: 'buildium', lease: mapped.id },
                mapped.ok ? `lease ${mapped.id} is on a rental left out` : mapped.reason,
              );
              continue;
            }
            const leaseId = mapped.id;
            skippedLeases.delete(leaseId);
            out.leases.push(mapped.row.lease);
            for (const t of mapped.row.tenants) out.tenants.set(t.id as string, t);
            await readLedger(leaseId);
          }
          const offset = sweep.offset + page.items.length;
          next = finished(page, offset)
            ? { phase: 'owing', offset: 0 }
            : { phase: 'leases', offset };
          break;
        }
        case 'owing': {
          const page = await o.client.outstandingBalances(
            { leasestatuses: statuses, offset: sweep.offset, limit },
            signal,
          );
          for (const row of page.items) {
            const b = balanceOf(row);
            if (b === null || skippedLeases.has(b.lease)) continue;
            if (b.property !== undefined && skippedProperties.has(b.property)) continue;
            out.balances.push({ leaseId: b.leaseId, balanceCents: b.balanceCents });
            owing.add(b.lease);
            if (incremental && !done.has(b.lease)) await readLedger(b.lease);
          }
          const offset = sweep.offset + page.items.length;
          next = !finished(page, offset)
            ? { phase: 'owing', offset }
            : paidTargets(c, owing, done, skippedLeases).length > 0
              ? { phase: 'paid', offset: 0 }
              : 'finished';
          break;
        }
        case 'paid': {
          const targets = paidTargets(c, owing, done, skippedLeases);
          const batch = targets.slice(sweep.offset, sweep.offset + limit);
          for (const leaseId of batch) await readLedger(leaseId);
          // `done` grew by the batch: what is left starts at the same offset of the new list.
          next =
            paidTargets(c, owing, done, skippedLeases).length > 0
              ? { phase: 'paid', offset: 0 }
              : 'finished';
          break;
        }
      }

      const rest = {
        skippedProperties: [...skippedProperties].sort((a, b) => a - b),
        skippedLeases: [...skippedLeases].sort((a, b) => a - b),
      };
      const cursor: Cursor =
        next === 'finished'
          ? { v: 1, since: sweep.startedAt, owed: [...owing].sort((a, b) => a - b), ...rest }
          : {
              v: 1,
              since: c.since,
              owed: c.owed,
              ...rest,
              sweep: { ...sweep, ...next, done: [...done], owing: [...owing] },
            };
      const page: SourcePage = {
        properties: out.properties,
        tenants: [...out.tenants.values()],
        leases: out.leases,
        ledger: out.ledger,
        balances: out.balances,
        cursor: encodeCursor(cursor),
        more: next !== 'finished',
      };
      return page;
    },
  };
}

/** Leases that owed at the last sweep's end, owe nothing now and were not read yet. */
function paidTargets(
  c: Cursor,
  owing: ReadonlySet<number>,
  done: ReadonlySet<number>,
  skipped: ReadonlySet<number>,
): number[] {
  if (c.since === null) return [];
  return c.owed.filter((id) => !owing.has(id) && !done.has(id) && !skipped.has(id));
}
