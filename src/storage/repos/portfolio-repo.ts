/**
 * Portfolio rows: properties, tenants, leases, ledger entries, events and onboarded cases.
 * Each row keeps the entity exactly as the portfolio format spells it in `data` (or
 * `payload` / `state`), so what is loaded is what was imported; the other columns exist
 * for queries. Saving compares the stored JSON with the new one, so re-importing the same
 * data writes nothing and reports no change.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import {
  type LedgerEntry,
  type OnboardedCase,
  type Portfolio,
  type PortfolioEvent,
  type Property,
  type Tenant,
  type Lease,
} from '../../domain/portfolio/schema.js';
import type { PortfolioStore, SaveOptions, SaveResult } from '../../app/ports/portfolio.js';
import { CompiledQuery, sql } from 'kysely';
import { queryable, type Db, type DbTransaction } from '../database.js';
import type { AuditInput } from '../../domain/audit/chain.js';
import { appendAudit, appendAuditMany } from './audit-repo.js';
import { lockOrganisation } from './organisations-repo.js';
import { byStoredEventOrder } from './event-order.js';
import { markLeasesChanged } from './scan-state-repo.js';
import {
  SQLITE_MAX_PARAMS,
  batchRows,
  chunks,
  insertBulk,
  oneOf,
  organisationHasRows,
  pgArrayLiteral,
  pgRecordset,
  quoteIdent,
  type Row,
} from './bulk-rows.js';

/** A content id for an event: the same event imported twice is stored once. */
export function eventId(e: PortfolioEvent): string {
  return createHash('sha256').update(canonicalJson(e)).digest('hex').slice(0, 32);
}

/** Which leases an event reaches, as columns a query can filter on (see leaseInputs). */
function eventReach(e: PortfolioEvent): {
  lease_id: string | null;
  tenant_id: string | null;
  property_id: string | null;
} {
  const scope = e.type === 'hold' || e.type === 'release' ? e.scope : undefined;
  if (scope === 'organisation') return { lease_id: null, tenant_id: null, property_id: null };
  if (scope === 'property')
    return {
      lease_id: e.propertyId ? null : (e.leaseId ?? null),
      tenant_id: null,
      property_id: e.propertyId ?? null,
    };
  if (scope === 'tenant' && e.tenantId)
    return { lease_id: null, tenant_id: e.tenantId, property_id: null };
  return {
    lease_id: e.leaseId ?? null,
    tenant_id: e.leaseId ? null : (e.tenantId ?? null),
    property_id: e.leaseId || e.tenantId ? null : (e.propertyId ?? null),
  };
}

/**
 * PostgreSQL plans the scan's per-batch reads from table statistics. Right after a large
 * import those describe the tables as they were (autovacuum analyses them minutes later), and
 * the planner picks a scan of the whole organisation for every batch: at a million leases that
 * is hours instead of a minute. So a large import refreshes them itself.
 */
const ANALYZE_AFTER_ROWS = 10_000;
const ANALYZED_TABLES = ['leases', 'tenants', 'lease_tenants', 'ledger_entries', 'events', 'cases'];

async function refreshPlannerStatistics(db: Db): Promise<void> {
  await sql.raw(`analyze ${ANALYZED_TABLES.map((t) => `"${t}"`).join(', ')}`).execute(db.kysely);
}

function written(result: SaveResult): number {
  let n = 0;
  for (const c of Object.values(result.counts)) n += c.inserted + c.updated;
  return n;
}

type Count = { inserted: number; updated: number; unchanged: number };
const zero = (): Count => ({ inserted: 0, updated: 0, unchanged: 0 });

export function portfolioStore(db: Db): PortfolioStore {
  return {
    async savePortfolio(orgId, p, options) {
      const result = await db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        return save(trx, orgId, p, options);
      });
      if (db.dialect === 'postgres' && written(result) >= ANALYZE_AFTER_ROWS)
        await refreshPlannerStatistics(db);
      return result;
    },
    addEvents: (orgId, events, options) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        const counts = { events: zero() };
        const changed = new Set<string>();
        const fresh = await saveEvents(trx, orgId, events, options, counts.events, changed);
        await appendAudit(trx, orgId, {
          at: options.at,
          actor: options.actor,
          type: 'events.recorded',
          subject: `org:${orgId}`,
          data: { source: options.source, counts },
        });
        await appendAuditMany(trx, orgId, flaggedAudits(fresh, options));
        const changedLeaseIds = [...changed].sort();
        await markLeasesChanged(trx, orgId, changedLeaseIds, options.at);
        return { alreadyImported: false, changedLeaseIds, counts };
      }),
    addLedgerEntries: (orgId, entries, options) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        const counts = { ledger: zero() };
        const stored = await storedIds(
          trx,
          orgId,
          'ledger_entries',
          entries.map((e) => e.id),
        );
        const fresh = entries.filter((e) => !stored.has(e.id));
        counts.ledger.unchanged = entries.length - fresh.length;
        // In as many statements as the engine's parameter limit needs (a fee run posts
        // thousands at once), with one audit append for all of them.
        await insertBulk(
          trx,
          'ledger_entries',
          fresh.map((x) => ledgerRow(orgId, x, options.at)),
        );
        counts.ledger.inserted = fresh.length;
        await appendAuditMany(
          trx,
          orgId,
          fresh.map((e) => ({
            at: options.at,
            actor: options.actor,
            type: 'ledger.posted',
            subject: `lease:${e.leaseId}`,
            data: {
              id: e.id,
              type: e.type,
              category: e.category ?? null,
              amountCents: e.amountCents,
              date: e.date,
              appliesTo: e.appliesTo ?? null,
              source: options.source,
            },
          })),
        );
        const changedLeaseIds = [...new Set(fresh.map((e) => e.leaseId))].sort();
        await markLeasesChanged(trx, orgId, changedLeaseIds, options.at);
        return { alreadyImported: false, changedLeaseIds, counts };
      }),
    loadPortfolio: (orgId, leaseIds) =>
      db.snapshot(async (trx) => {
        const { ledgerRows, ...rest } = await load(trx, orgId, leaseIds);
        return { ...rest, ledger: ledgerRows.map((t) => JSON.parse(t) as LedgerEntry) };
      }),
    loadSliceForScan: (orgId, leaseIds) =>
      db.snapshot(async (trx) => {
        const ledgerText = new Map<string, string>();
        const { ledgerRows: _none, ...rest } = await load(trx, orgId, leaseIds, {
          ledgerByLease: ledgerText,
        });
        return { ...rest, ledgerText };
      }),
    async leaseIds(orgId) {
      const rows = await db.kysely
        .selectFrom('leases')
        .select('id')
        .where('org_id', '=', orgId)
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    },
    async propertyIds(orgId) {
      const rows = await db.kysely
        .selectFrom('properties')
        .select('id')
        .where('org_id', '=', orgId)
        .execute();
      return new Set(rows.map((r) => r.id));
    },
    knownIds: (orgId, kind, ids) => storedIds(db, orgId, kind, ids),
  };
}

async function save(
  trx: DbTransaction,
  orgId: string,
  p: Portfolio,
  options: SaveOptions,
): Promise<SaveResult> {
  const counts: SaveResult['counts'] = {
    properties: zero(),
    tenants: zero(),
    leases: zero(),
    ledger: zero(),
    events: zero(),
    cases: zero(),
  };
  if (options.file) {
    const seen = await trx
      .selectFrom('import_files')
      .select('sha256')
      .where('org_id', '=', orgId)
      .where('sha256', '=', options.file.sha256)
      .executeTakeFirst();
    if (seen) return { alreadyImported: true, changedLeaseIds: [], counts };
  }
  const at = options.at;
  const changed = new Set<string>();
  const changedProperties = new Set<string>();
  const changedTenants = new Set<string>();
  const updatedLeases = new Set<string>();

  await upsertRows(
    trx,
    'properties',
    orgId,
    p.properties,
    (x: Property) => ({
      org_id: orgId,
      id: x.id,
      name: x.name,
      timezone: x.timezone,
      jurisdiction: x.jurisdiction,
      kind: x.kind,
      owner_id: x.ownerId ?? null,
      run_at: x.runAt,
      source_id: null,
      data: entityJson(x),
      updated_at: at,
    }),
    counts.properties!,
    (id) => changedProperties.add(id),
  );
  await upsertRows(
    trx,
    'tenants',
    orgId,
    p.tenants,
    (x: Tenant) => ({
      org_id: orgId,
      id: x.id,
      name: x.name,
      email: x.email ?? null,
      phone: x.phone ?? null,
      language: x.language,
      role: x.role,
      source_id: null,
      data: entityJson(x),
      updated_at: at,
    }),
    counts.tenants!,
    (id) => changedTenants.add(id),
  );
  await upsertRows(
    trx,
    'leases',
    orgId,
    p.leases,
    (x: Lease) => ({
      org_id: orgId,
      id: x.id,
      property_id: x.propertyId,
      unit: x.unit,
      space_type: x.spaceType ?? null,
      rent_cents: x.rentCents,
      status: x.status ?? null,
      source_id: x.sourceId ?? null,
      data: entityJson(x),
      updated_at: at,
    }),
    counts.leases!,
    (id, _x, inserted) => {
      changed.add(id);
      if (!inserted) updatedLeases.add(id);
    },
  );
  // The tenants of a changed lease, in its order (a lease new in this import has none yet).
  const changedLeases = p.leases.filter((l) => changed.has(l.id));
  await deleteWhereIn(
    trx,
    'lease_tenants',
    orgId,
    'lease_id',
    changedLeases.filter((l) => updatedLeases.has(l.id)).map((l) => l.id),
  );
  await insertBulk(
    trx,
    'lease_tenants',
    changedLeases.flatMap((l) =>
      l.tenantIds.map((t, i) => ({ org_id: orgId, lease_id: l.id, tenant_id: t, position: i })),
    ),
  );
  // An entry that moves to another lease changes the lease it leaves too (read before the
  // write replaces its lease).
  for (const leaseId of await leasesLeft(trx, orgId, p.ledger)) changed.add(leaseId);
  await upsertRows(
    trx,
    'ledger_entries',
    orgId,
    p.ledger,
    (x: LedgerEntry) => ledgerRow(orgId, x, at),
    counts.ledger!,
    (_id, x) => changed.add(x.leaseId),
  );
  if (options.supersede) {
    const keep = new Set(options.supersede.keepIds);
    const marker = `%${options.supersede.idMarker}%`;
    const stale: { id: string; lease_id: string }[] = [];
    for (const part of chunks(options.supersede.leaseIds, inListSize(trx)))
      for (const r of await trx
        .selectFrom('ledger_entries')
        .select(['id', 'lease_id'])
        .where('org_id', '=', orgId)
        .where('lease_id', 'in', part)
        .where('id', 'like', marker)
        .execute())
        if (!keep.has(r.id)) stale.push(r);
    await deleteWhereIn(
      trx,
      'ledger_entries',
      orgId,
      'id',
      stale.map((r) => r.id),
    );
    for (const r of stale) changed.add(r.lease_id);
    if (options.supersede.leaseIds.length > 0)
      (counts.superseded ??= zero()).updated += stale.length;
  }
  await saveEvents(trx, orgId, p.events, options, counts.events!, changed);
  for (const c of p.cases) {
    const state = canonicalJson({ ...c, onboarded: true });
    const existing = await trx
      .selectFrom('cases')
      .select('state')
      .where('org_id', '=', orgId)
      .where('lease_id', '=', c.leaseId)
      .where('episode', '=', c.episode)
      .executeTakeFirst();
    if (existing?.state === state) {
      counts.cases!.unchanged++;
      continue;
    }
    if (existing)
      await trx
        .updateTable('cases')
        .set({ state, anchor: c.anchor, updated_at: at })
        .where('org_id', '=', orgId)
        .where('lease_id', '=', c.leaseId)
        .where('episode', '=', c.episode)
        .execute();
    else
      await trx
        .insertInto('cases')
        .values({
          org_id: orgId,
          lease_id: c.leaseId,
          episode: c.episode,
          opened: c.opened ?? c.anchor,
          anchor: c.anchor,
          closed: null,
          outcome: null,
          policy_id: null,
          policy_version: null,
          state,
          updated_at: at,
        })
        .execute();
    counts.cases![existing ? 'updated' : 'inserted']++;
    changed.add(c.leaseId);
  }
  // A changed property or tenant changes every lease it belongs to.
  for (const part of chunks([...changedProperties], inListSize(trx)))
    for (const r of await trx
      .selectFrom('leases')
      .select('id')
      .where('org_id', '=', orgId)
      .where('property_id', 'in', part)
      .execute())
      changed.add(r.id);
  for (const part of chunks([...changedTenants], inListSize(trx)))
    for (const r of await trx
      .selectFrom('lease_tenants')
      .select('lease_id')
      .where('org_id', '=', orgId)
      .where('tenant_id', 'in', part)
      .execute())
      changed.add(r.lease_id);
  if (p.currency !== undefined)
    await trx
      .insertInto('settings')
      .values({ org_id: orgId, key: 'currency', value: JSON.stringify(p.currency), updated_at: at })
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'key'])
          .doUpdateSet({ value: JSON.stringify(p.currency), updated_at: at }),
      )
      .execute();
  for (const src of p.sources ?? [])
    await trx
      .insertInto('sources')
      .values({
        org_id: orgId,
        id: src.id,
        kind: src.kind,
        last_sync_at: src.lastSyncAt ?? null,
        data: null,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'id'])
          .doUpdateSet({ kind: src.kind, last_sync_at: src.lastSyncAt ?? null, updated_at: at }),
      )
      .execute();
  if (options.file)
    await trx
      .insertInto('import_files')
      .values({
        org_id: orgId,
        sha256: options.file.sha256,
        file_name: options.file.name,
        format: options.file.format,
        imported_at: at,
        counts: JSON.stringify(counts),
      })
      .execute();
  await appendAudit(trx, orgId, {
    at,
    actor: options.actor,
    type: 'portfolio.imported',
    subject: `org:${orgId}`,
    data: {
      source: options.source,
      ...(options.file ? { file: options.file } : {}),
      counts,
      changedLeases: changed.size,
    },
  });
  const changedLeaseIds = [...changed].sort();
  await markLeasesChanged(trx, orgId, changedLeaseIds, at);
  return { alreadyImported: false, changedLeaseIds, counts };
}

type EntityTable = 'properties' | 'tenants' | 'leases' | 'ledger_entries';

function ledgerRow(orgId: string, x: LedgerEntry, at: string) {
  return {
    org_id: orgId,
    id: x.id,
    lease_id: x.leaseId,
    date: x.date,
    type: x.type,
    category: x.category ?? null,
    amount_cents: x.amountCents,
    due_date: x.dueDate ?? null,
    reverses: x.reverses ?? null,
    applies_to: x.appliesTo ?? null,
    source_id: null,
    data: entityJson(x),
    created_at: at,
  };
}

// ---------------------------------------------------------------------------------------
// Bulk writes. An import of a million rows is a few hundred statements, not a million:
// - SQLite (in-process, so a round trip is cheap): multi-row INSERT … VALUES sized under its
//   32,766 bound parameters, after one `id IN (…)` read per batch to tell new, changed and
//   unchanged rows apart.
// - PostgreSQL: a batch of rows is one array parameter per column (`INSERT … SELECT … FROM
//   unnest($1::text[], …)`, bulk-rows.ts), far under the 65,535 parameter limit. A batch
//   none of whose ids is stored yet is a plain INSERT; otherwise one `INSERT … ON CONFLICT
//   DO UPDATE … WHERE data IS DISTINCT FROM … RETURNING` inserts the new rows and updates
//   the changed ones in a single round trip. Batches are pipelined: the next one is built
//   while the server writes the last.

/** Ids per `IN (…)` list on this engine (SQLite binds each; PostgreSQL parses each). */
/** Which of `ids` are stored in `table` for the organisation (read in engine-sized lists). */
async function storedIds(
  q: Db | DbTransaction,
  orgId: string,
  table: 'leases' | 'tenants' | 'properties' | 'ledger_entries',
  ids: readonly string[],
): Promise<Set<string>> {
  const k = queryable(q);
  const stored = new Set<string>();
  for (const part of chunks([...new Set(ids)], inListSize(q)))
    for (const r of await k
      .selectFrom(table)
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', 'in', part)
      .execute())
      stored.add(r.id);
  return stored;
}

function inListSize(trx: Pick<DbTransaction, 'dialect'>): number {
  return trx.dialect === 'sqlite' ? SQLITE_MAX_PARAMS - 10 : 10_000;
}

/**
 * `canonicalJson` of an entity, fast for the flat objects most rows are (every value a
 * string, a finite number, a boolean or null): the same bytes, without walking a path for
 * every key. Anything else (nested objects, arrays) goes through `canonicalJson` itself.
 */
function entityJson(x: object): string {
  const record = x as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  // The same keys in sorted order, for the native JSON.stringify. Not for a key that looks
  // like an array index (an object lists those first, in numeric order).
  const sorted: Record<string, unknown> = {};
  for (const k of keys) {
    const v = record[k];
    const t = typeof v;
    const code = k.charCodeAt(0);
    if (
      !(code >= 0x30 && code <= 0x39) &&
      (t === 'string' ||
        t === 'boolean' ||
        v === null ||
        (t === 'number' && Number.isFinite(v as number)))
    )
      sorted[k] = v;
    else return canonicalJson(x);
  }
  return JSON.stringify(sorted);
}

/** The leases stored entries are on where `entries` puts them on another lease. */
async function leasesLeft(
  trx: DbTransaction,
  orgId: string,
  entries: readonly LedgerEntry[],
): Promise<Set<string>> {
  const left = new Set<string>();
  if (entries.length === 0) return left;
  // Into an organisation without entries (a first import) nothing moves: no lookups.
  if (!(await organisationHasRows(trx, 'ledger_entries', orgId))) return left;
  const leaseOf = new Map(entries.map((e) => [e.id, e.leaseId]));
  for (const part of chunks([...leaseOf.keys()], inListSize(trx)))
    for (const r of await trx
      .selectFrom('ledger_entries')
      .select(['id', 'lease_id'])
      .where('org_id', '=', orgId)
      .where(oneOf(trx.dialect, 'id', part))
      .execute())
      if (r.lease_id !== leaseOf.get(r.id)) left.add(r.lease_id);
  return left;
}

/** Deletes the organisation's rows of `table` whose `column` is one of `values`. */
async function deleteWhereIn(
  trx: DbTransaction,
  table: 'lease_tenants' | 'ledger_entries',
  orgId: string,
  column: 'lease_id' | 'id',
  values: readonly string[],
): Promise<void> {
  for (const part of chunks(values, inListSize(trx)))
    await trx
      .deleteFrom(table)
      .where('org_id', '=', orgId)
      .where(column as never, 'in', part as never)
      .execute();
}

/**
 * Inserts new rows and updates rows whose stored `data` differs; `onChange` per write (with
 * whether the row is new). Unchanged rows are not written.
 */
async function upsertRows<T extends { id: string }>(
  trx: DbTransaction,
  table: EntityTable,
  orgId: string,
  items: readonly T[],
  toRow: (x: T) => Record<string, unknown> & { id: string; data: string },
  count: Count,
  onChange: (id: string, x: T, inserted: boolean) => void,
): Promise<void> {
  if (items.length === 0) return;
  const columns = Object.keys(toRow(items[0]!));
  // An update leaves the row's identity and creation time alone.
  const updated = columns.filter((c) => c !== 'id' && c !== 'org_id' && c !== 'created_at');
  const t = quoteIdent(table);
  const size = batchRows(trx, columns.length);
  if (trx.dialect === 'postgres') {
    const insert = `insert into ${t} (${columns.map(quoteIdent).join(', ')}) `;
    const upsert =
      ` on conflict ("org_id", "id") do update set ${updated.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}` +
      ` where ${t}."data" is distinct from excluded."data" returning "id", (xmax = 0) as "inserted"`;
    // Into a table where the organisation has no rows yet (a first import), every row is new:
    // plain INSERTs, cheaper for the server than ON CONFLICT's speculative insertion. The
    // organisation is locked, so no other import can add rows meanwhile.
    const empty = !(await organisationHasRows(trx, table, orgId));
    const write = async (part: readonly T[], body: { text: string; params: unknown[] }) => {
      if (empty) {
        await trx.executeQuery(CompiledQuery.raw(insert + body.text, body.params));
        for (const x of part) onChange(x.id, x, true);
        count.inserted += part.length;
        return;
      }
      const { rows } = await trx.executeQuery<{ id: string; inserted: boolean }>(
        CompiledQuery.raw(insert + body.text + upsert, body.params),
      );
      const byId = new Map(part.map((x) => [x.id, x]));
      for (const r of rows) {
        onChange(r.id, byId.get(r.id)!, r.inserted);
        count[r.inserted ? 'inserted' : 'updated']++;
      }
      count.unchanged += part.length - rows.length;
    };
    // Pipelined: the next batch's rows are built while the server writes this one.
    let inFlight: Promise<void> = Promise.resolve();
    for (const part of chunks(items, size)) {
      const body = pgRecordset(columns, part.map(toRow));
      await inFlight;
      inFlight = write(part, body);
      inFlight.catch(() => undefined); // awaited below; this only stops an unhandled-rejection report
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the query go out
    }
    await inFlight;
    return;
  }
  const set = `update ${t} set ${updated.map((c) => `${quoteIdent(c)} = ?`).join(', ')} where "org_id" = ? and "id" = ?`;
  for (const part of chunks(items, size)) {
    const stored = new Map(
      (
        await trx
          .selectFrom(table)
          .select(['id', 'data'])
          .where('org_id', '=', orgId)
          .where(
            'id',
            'in',
            part.map((x) => x.id),
          )
          .execute()
      ).map((r) => [r.id, r.data]),
    );
    const inserts: Row[] = [];
    for (const x of part) {
      const row = toRow(x);
      const before = stored.get(x.id);
      if (before === row.data) {
        count.unchanged++;
        continue;
      }
      onChange(x.id, x, before === undefined);
      if (before === undefined) {
        inserts.push(row);
        count.inserted++;
      } else {
        await trx.executeQuery(
          CompiledQuery.raw(set, [...updated.map((c) => row[c] ?? null), orgId, x.id]),
        );
        count.updated++;
      }
    }
    await insertBulk(trx, table, inserts);
  }
}

async function saveEvents(
  trx: DbTransaction,
  orgId: string,
  events: readonly PortfolioEvent[],
  options: SaveOptions,
  count: Count,
  changed: Set<string>,
): Promise<readonly { id: string; lease_id: string | null; payload: string }[]> {
  // The same event twice in one file is stored once (counted once when new, each time when
  // already stored).
  const rows = new Map<string, Row & ReturnType<typeof eventReach>>();
  const times = new Map<string, number>();
  for (const e of events) {
    const id = eventId(e);
    times.set(id, (times.get(id) ?? 0) + 1);
    if (rows.has(id)) continue;
    rows.set(id, {
      org_id: orgId,
      id,
      type: e.type,
      date: e.date,
      at: null,
      ...eventReach(e),
      payload: canonicalJson(e),
      source: options.source,
      created_at: options.at,
    });
  }
  const fresh: (Row & ReturnType<typeof eventReach>)[] = [];
  for (const part of chunks([...rows.keys()], inListSize(trx))) {
    const seen = new Set(
      (
        await trx
          .selectFrom('events')
          .select('id')
          .where('org_id', '=', orgId)
          .where('id', 'in', part)
          .execute()
      ).map((r) => r.id),
    );
    for (const id of part)
      if (seen.has(id)) count.unchanged += times.get(id)!;
      else fresh.push(rows.get(id)!);
  }
  await insertBulk(trx, 'events', fresh);
  count.inserted += fresh.length;
  // The leases the new events reach.
  for (const r of fresh) {
    if (r.lease_id) changed.add(r.lease_id);
    else {
      let q = trx.selectFrom('leases').select('leases.id').where('leases.org_id', '=', orgId);
      if (r.tenant_id)
        q = q
          .innerJoin('lease_tenants', (j) =>
            j
              .onRef('lease_tenants.lease_id', '=', 'leases.id')
              .onRef('lease_tenants.org_id', '=', 'leases.org_id'),
          )
          .where('lease_tenants.tenant_id', '=', r.tenant_id);
      else if (r.property_id) q = q.where('leases.property_id', '=', r.property_id);
      for (const l of await q.execute()) changed.add(l.id);
    }
  }
  return fresh.map((r) => ({
    id: r.id as string,
    lease_id: r.lease_id,
    payload: r.payload as string,
  }));
}

/**
 * A lease flagged by staff (`flag`) or a tenant marked `at_risk` (`status`) is a case event
 * of its own (`lease.flagged`): write-back sinks such as a helpdesk open a ticket for it.
 */
function flaggedAudits(
  fresh: readonly { id: string; lease_id: string | null; payload: string }[],
  options: SaveOptions,
): AuditInput[] {
  const out: AuditInput[] = [];
  for (const r of fresh) {
    if (!r.lease_id) continue;
    const e = JSON.parse(r.payload) as {
      type: string;
      status?: string;
      date: string;
      reason?: string;
    };
    const kind =
      e.type === 'flag' ? 'flag' : e.type === 'status' && e.status === 'at_risk' ? 'at_risk' : null;
    if (!kind) continue;
    out.push({
      at: options.at,
      actor: options.actor,
      type: 'lease.flagged',
      subject: `lease:${r.lease_id}`,
      data: { eventId: r.id, date: e.date, kind },
    });
  }
  return out;
}

/**
 * The portfolio, or the slice of it with these leases, as stored; the ledger as the stored
 * JSON texts of its entries. With `ledgerByLease` (a slice only), the ledger goes there
 * instead: lease id → the JSON array of its entries, joined by the database (a scan passes
 * the ledger on unparsed, and a row per entry is most of what reading a slice costs).
 */
/**
 * A ledger entry `e` as a scan's ledger text holds it (app/ports/ledger-text.ts): packed when
 * `packs` would pack it (no memo, `reverses` or `appliesTo`; no separator in its id), else
 * its stored JSON. A packed entry's fields come from the entry's columns, which are written
 * from the same entry as its JSON. The engines differ only in the names of two functions.
 */
function packedLedgerEntry(find: 'strpos' | 'instr', char: 'chr' | 'char') {
  const [rs, us] = [`${char}(30)`, `${char}(31)`];
  const fields = PACKED_COLUMNS.map((column) => `${us} || ${column}`).join(' || ');
  return sql.raw(`case
    when e.reverses is null and e.applies_to is null and ${find}(e.data, '"memo"') = 0
      and ${find}(e.id, ${rs}) = 0 and ${find}(e.id, ${us}) = 0
    then ${fields}
    else e.data end`);
}
/** A packed entry's fields, in the order of ledger-text.ts. */
const PACKED_COLUMNS = [
  'e.id',
  'e.date',
  'e.type',
  'e.amount_cents',
  "coalesce(e.category, '')",
  "coalesce(e.due_date, '')",
];
const PACKED_LEDGER_ENTRY = {
  postgres: packedLedgerEntry('strpos', 'chr'),
  sqlite: packedLedgerEntry('instr', 'char'),
};

async function load(
  trx: DbTransaction,
  orgId: string,
  leaseIds?: readonly string[],
  options: { ledgerByLease?: Map<string, string> } = {},
): Promise<Omit<Portfolio, 'ledger'> & { ledgerRows: string[] }> {
  const parse = <T>(s: string): T => JSON.parse(s) as T;
  const leases: Lease[] = [];
  if (leaseIds === undefined) {
    const rows = await trx
      .selectFrom('leases')
      .select('data')
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute();
    for (const r of rows) leases.push(parse<Lease>(r.data));
  } else {
    for (const part of chunks([...leaseIds], inListSize(trx))) {
      const rows = await trx
        .selectFrom('leases')
        .select('data')
        .where('org_id', '=', orgId)
        .where(oneOf(trx.dialect, 'id', part))
        .execute();
      for (const r of rows) leases.push(parse<Lease>(r.data));
    }
    leases.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  const ids = leases.map((l) => l.id);
  const tenantIds = [...new Set(leases.flatMap((l) => l.tenantIds))];
  const propertyIds = [...new Set(leases.map((l) => l.propertyId))];
  const all = leaseIds === undefined;

  const byIds = async <R>(table: 'properties' | 'tenants', wanted: string[]): Promise<R[]> => {
    const out: R[] = [];
    if (all) {
      const rows = await trx
        .selectFrom(table)
        .select('data')
        .where('org_id', '=', orgId)
        .orderBy('id')
        .execute();
      for (const r of rows) out.push(parse<R>(r.data));
      return out;
    }
    for (const part of chunks(wanted, inListSize(trx))) {
      const rows = await trx
        .selectFrom(table)
        .select('data')
        .where('org_id', '=', orgId)
        .where(oneOf(trx.dialect, 'id', part))
        .execute();
      for (const r of rows) out.push(parse<R>(r.data));
    }
    return out;
  };
  const properties = await byIds<Property>('properties', propertyIds);
  const tenants = await byIds<Tenant>('tenants', tenantIds);

  const ledgerRows: string[] = [];
  const cases: OnboardedCase[] = [];
  const leaseParts = all ? [null] : chunks(ids, inListSize(trx));
  for (const part of leaseParts) {
    const byLease = options.ledgerByLease;
    if (byLease && part) {
      // Unordered on both engines: leaseLedger puts each lease's entries in order where
      // they are parsed (sorting them here was half of this query's cost on PostgreSQL,
      // a third on SQLite).
      const joined = await (
        trx.dialect === 'postgres'
          ? // One subquery per lease (its two dozen entries): grouped, the planner sorted
            // the whole batch by lease, on disk when a stale estimate of entries per lease
            // set it up for more than the memory it is given.
            sql<{ lease_id: string; entries: string | null }>`
            select l.id as lease_id, (
              select string_agg(${PACKED_LEDGER_ENTRY.postgres}, chr(30)) from ledger_entries e
              where e.org_id = ${orgId} and e.lease_id = l.id) as entries
            from unnest(${pgArrayLiteral(part)}::text[]) as l(id)`
          : sql<{ lease_id: string; entries: string | null }>`
            select e.lease_id as lease_id,
              group_concat(${PACKED_LEDGER_ENTRY.sqlite}, char(30)) as entries
            from ledger_entries e
            where e.org_id = ${orgId} and e.lease_id in (${sql.join(part)})
            group by e.lease_id`
      ).execute(trx);
      for (const r of joined.rows) if (r.entries !== null) byLease.set(r.lease_id, r.entries);
    } else {
      let lq = trx.selectFrom('ledger_entries').select('data').where('org_id', '=', orgId);
      if (part) lq = lq.where(oneOf(trx.dialect, 'lease_id', part));
      for (const r of await lq.orderBy('lease_id').orderBy('date').orderBy('id').execute())
        ledgerRows.push(r.data);
    }
    let cq = trx.selectFrom('cases').select('state').where('org_id', '=', orgId);
    if (part) cq = cq.where(oneOf(trx.dialect, 'lease_id', part));
    for (const r of await cq.execute()) {
      const s = parse<OnboardedCase & { onboarded?: boolean }>(r.state);
      if (s.onboarded) {
        const { onboarded: _o, ...c } = s;
        cases.push(c);
      }
    }
  }

  const events: PortfolioEvent[] = [];
  const seen = new Set<string>();
  const addEvents = (rows: { id: string; payload: string }[]) => {
    for (const r of rows)
      if (!seen.has(r.id)) {
        seen.add(r.id);
        events.push(parse<PortfolioEvent>(r.payload));
      }
  };
  if (all) {
    addEvents(
      await trx
        .selectFrom('events')
        .select(['id', 'payload', 'date'])
        .where('org_id', '=', orgId)
        .orderBy('date')
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
  } else {
    const base = () =>
      trx
        .selectFrom('events')
        .select(['id', 'payload', 'date', 'created_at'])
        .where('org_id', '=', orgId);
    const rows: { id: string; payload: string; date: string; created_at: string }[] = [];
    const reaches = [
      ['lease_id', ids],
      ['tenant_id', tenantIds],
      ['property_id', propertyIds],
    ] as const;
    for (const [column, wanted] of reaches)
      for (const part of chunks(wanted, inListSize(trx)))
        rows.push(
          ...(await base()
            .where(oneOf(trx.dialect, column, part))
            .execute()),
        );
    rows.push(
      ...(await base()
        .where('lease_id', 'is', null)
        .where('tenant_id', 'is', null)
        .where('property_id', 'is', null)
        .execute()),
    );
    rows.sort(byStoredEventOrder);
    addEvents(rows);
  }

  const org = await trx
    .selectFrom('settings')
    .select('value')
    .where('org_id', '=', orgId)
    .where('key', '=', 'currency')
    .executeTakeFirst();
  // Stored rows were validated (defaults filled) on the way in: no second parse.
  const sources = (
    await trx
      .selectFrom('sources')
      .select(['id', 'kind', 'last_sync_at'])
      .where('org_id', '=', orgId)
      .execute()
  ).map((r) => ({
    id: r.id,
    kind: r.kind,
    ...(r.last_sync_at ? { lastSyncAt: r.last_sync_at } : {}),
  }));
  return {
    currency: org ? parse<string>(org.value) : 'USD',
    properties,
    tenants,
    leases,
    ledgerRows,
    events,
    cases,
    sources,
  } as Omit<Portfolio, 'ledger'> & { ledgerRows: string[] };
}
