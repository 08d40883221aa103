/** lease_state (the next-due index of incremental scans), cases and scans rows. */
import { CompiledQuery, sql, type RawBuilder, type SqlBool } from 'kysely';
import type {
  LeaseStateRow,
  LeaseToEvaluate,
  QuietStates,
  ScanCounts,
  ScanStateStore,
  SettledLease,
} from '../../app/ports/scan.js';
import {
  commitWithoutFlushWait,
  type Db,
  type DbTransaction,
  type DialectName,
} from '../database.js';
import type { AuditInput } from '../../domain/audit/chain.js';
import { addDays } from '../../domain/dates.js';
import type { EpisodeSummary } from '../../domain/evaluator/types.js';
import type { PortfolioEvent } from '../../domain/portfolio/schema.js';
import { appendAudit, appendAuditMany } from './audit-repo.js';
import { lockAuditHead, lockOrganisation } from './organisations-repo.js';
import { byStoredEventOrder } from './event-order.js';
import {
  chunks,
  insertBulk,
  oneOf,
  organisationHasRows,
  PG_BATCH_ROWS,
  pgRecordset,
} from './bulk-rows.js';

const CHUNK = 400;
/**
 * Leases per settled-lease query: one array parameter on PostgreSQL, one bound parameter
 * each on SQLite (far below its limit).
 */
const SETTLED_CHUNK = 2000;
/** Cases per insert in saveEpisodes. */
const EPISODE_CHUNK = 1000;

/**
 * Marks leases whose data changed at `at` for the next scan, in the caller's transaction
 * (the change and its mark commit together: a crash cannot leave a change the scan skips).
 */
export async function markLeasesChanged(
  trx: DbTransaction,
  orgId: string,
  leaseIds: readonly string[],
  at: string,
): Promise<void> {
  if (leaseIds.length === 0) return;
  // Leases never scanned have no state row and are evaluated anyway (a first import).
  if (!(await organisationHasRows(trx, 'lease_state', orgId))) return;
  // A lease new since the organisation's first scan gets its state row now, as one never
  // evaluated (an empty fingerprint, as setReportedBalances writes): incremental scans then
  // find every lease to evaluate through lease_state's indexes, without reading all leases.
  // An existing row only has its change time moved, never before the lease's last
  // evaluation: after the clock steps back (a host whose clock ran fast, corrected) a
  // change would otherwise look older than the scan that preceded it and wait for the
  // lease's next due date. Until the clock catches up such a lease is evaluated by every
  // scan, which is only wasted work.
  await insertBulk(
    trx,
    'lease_state',
    leaseIds.map((leaseId) => ({
      org_id: orgId,
      lease_id: leaseId,
      input_hash: '',
      next_due_at: null,
      readiness: 'pending',
      readiness_reason: null,
      evaluated_at: NEVER_EVALUATED,
      changed_at: at,
    })),
    `on conflict (org_id, lease_id) do update set changed_at = case
       when lease_state.evaluated_at > excluded.changed_at then lease_state.evaluated_at
       else excluded.changed_at end`,
  );
}

/** `evaluated_at` of a lease state written before the lease was ever evaluated. */
export const NEVER_EVALUATED = '1970-01-01T00:00:00.000Z';

/** A settled-lease candidate's ledger sums (`settledLeases`). */
interface SettledRow {
  lease_id: string;
  timezone: string;
  /** Charges less everything else, in effect by today. */
  balance: number | string;
  /** What was credited (paid, credited, written off) less the charges already past due. */
  slack: number | string;
  irregular: number | string;
  next_date: string | null;
  next_due: string | null;
  /** The lease has events of its own or of its tenants (boolean, or 0/1 on SQLite). */
  has_events: boolean | number;
  /** `settleQuietly`: settled and its state written (the other columns are null). */
  quiet?: boolean;
}

/**
 * The sums of `SettledRow` over a lease's entries `e`, as of its local today `c.today`: as
 * few aggregates as the answer needs, each entry's date compared once for them (the
 * expressions, evaluated for every entry, are most of the query's cost).
 */
const LEDGER_SUMS = sql`
  coalesce(sum(case when e.date <= c.today then
    case when e.type = 'charge' then e.amount_cents else -e.amount_cents end end), 0) as balance,
  coalesce(sum(case when e.date <= c.today then
    case when e.type <> 'charge' then e.amount_cents
         when e.due_date < c.today then -e.amount_cents end end), 0) as slack,
  coalesce(sum(case when e.date <= c.today and (e.type = 'reversal' or e.applies_to is not null) then 1 end), 0) as irregular,
  min(case when e.date > c.today then e.date end) as next_date,
  min(case when e.type = 'charge' and e.due_date >= c.today then e.due_date end) as next_due`;

/**
 * A lease's stored totals (`ledger_totals`, kept by the database as entries are written)
 * stand for its entries' sums on a day when every entry is in effect and every charge is
 * past due (SPEC R1: nothing dated later counts yet): then the balance is the total, what
 * was credited less what is past due is its negative, and no entry is yet to come. On
 * other days, or for a lease without totals, the entries are summed (`LEDGER_SUMS`).
 * Selected in the candidate CTE `c` (with `d.today`) from the totals `lt`.
 */
const TOTALS = sql`
  coalesce(lt.last_date <= d.today and (lt.last_due is null or lt.last_due < d.today), false) as summed,
  lt.balance_cents as total_balance, lt.irregular as total_irregular`;

/** `SettledRow` from the candidate `c` and its entries' sums `s` (`LEDGER_SUMS`). */
const SETTLED_COLUMNS = sql`
  c.lease_id as lease_id, c.timezone as timezone, c.has_events as has_events,
  case when c.summed then c.total_balance else s.balance end as balance,
  case when c.summed then -c.total_balance else s.slack end as slack,
  case when c.summed then c.total_irregular else s.irregular end as irregular,
  case when c.summed then null else s.next_date end as next_date,
  case when c.summed then null else s.next_due end as next_due`;

/** `settledLeases`' query on SQLite (which plans without statistics). */
function sqliteSettledQuery(
  orgId: string,
  days: RawBuilder<unknown>,
  which: RawBuilder<SqlBool>,
  throughTenants: boolean,
) {
  const tenantEvents = throughTenants
    ? sql`
        or exists (
          -- CROSS JOIN: SQLite takes the lease's tenants first (as PostgreSQL does),
          -- not every event of the organisation.
          select 1 from lease_tenants t
          cross join events v
          where t.org_id = l.org_id and t.lease_id = l.id
            and v.org_id = t.org_id and v.tenant_id = t.tenant_id)`
    : sql``;
  return sql<SettledRow>`
    with d (timezone, today) as (values ${days}),
    c as materialized (
      select l.id as lease_id, d.timezone as timezone, d.today as today, ${TOTALS},
        exists (select 1 from events v where v.org_id = l.org_id and v.lease_id = l.id)
        ${tenantEvents} as has_events,
        exists (
          select 1 from cases s
          where s.org_id = l.org_id and s.lease_id = l.id
            and (s.closed is null or s.closed >= d.today))
        or exists (
          select 1 from outbox o
          where o.org_id = l.org_id and o.lease_id = l.id
            and o.status in ('draft', 'approved', 'dispatching', 'unknown')) as busy
      from leases l
      join properties p on p.org_id = l.org_id and p.id = l.property_id
      join d on d.timezone = p.timezone
      left join ledger_totals lt on lt.org_id = l.org_id and lt.lease_id = l.id
      where l.org_id = ${orgId} and ${which}
    ),
    s as (
      select c.lease_id as lease_id, ${LEDGER_SUMS}
      from c
      left join ledger_entries e
        on not c.summed and e.org_id = ${orgId} and e.lease_id = c.lease_id
      where not c.busy
      group by c.lease_id
    )
    select ${SETTLED_COLUMNS}
    from c join s on s.lease_id = c.lease_id`;
}

/**
 * `settledLeases`' query on PostgreSQL: every lookup is a LATERAL subquery (with LIMIT, or an
 * aggregate), which the planner cannot turn into a join, so each runs per lease through
 * its table's lease index whatever the statistics say. As joins or plain EXISTS, a
 * planner misled by estimates (a lease-id range costed at four times its leases, some 400
 * ledger entries a lease from a sample of a large table) hashed the whole ledger, or every
 * waiting item of the organisation, for each batch: 13 s instead of 30 ms.
 *
 * A full scan's batch is a key range (`range`): its leases' totals, and its leases with
 * events, open cases or waiting items, are then found by one range read of each table's
 * lease index instead of four lookups per lease (about half of this query's time). Each
 * read's only condition the index can use is the range (OFFSET 0 keeps the planner from
 * moving the status or closing-date condition into it), so no statistics can make it walk
 * every waiting item or case of the organisation instead. A case counts as open through
 * the earliest today of the organisation's time zones: one that closed since, in a later
 * zone, only sends its lease to the evaluator, which is always right.
 */
function postgresSettledQuery(
  orgId: string,
  days: RawBuilder<unknown>,
  which: RawBuilder<SqlBool>,
  throughTenants: boolean,
  range: LeaseRange | null,
  quiet: QuietPart | null = null,
) {
  const tenantEvents = throughTenants
    ? sql`
        left join lateral (
          select 1 as hit from lease_tenants t
          join events v on v.org_id = t.org_id and v.tenant_id = t.tenant_id
          where t.org_id = l.org_id and t.lease_id = l.id limit 1) te on true`
    : sql``;
  // Leases settled by their totals skip the entries (a one-time filter: no index read).
  const sums = sql`
    select ${SETTLED_COLUMNS}
    from c
    cross join lateral (
      select ${LEDGER_SUMS}
      from ledger_entries e
      where not c.summed and e.org_id = ${orgId} and e.lease_id = c.lease_id) s`;
  // The batch's leases with their zone's today and their totals (each form reads the
  // totals its own way, through their key whatever the statistics say): the columns, then
  // the leases.
  const candidates = sql`
      select l.id as lease_id, d.timezone as timezone, d.today as today, ${TOTALS}`;
  const leases = sql`
      from leases l
      join properties p on p.org_id = l.org_id and p.id = l.property_id
      join d on d.timezone = p.timezone`;
  if (range) {
    const inRange = (column: string) =>
      sql`${sql.ref(column)} >= ${range.first} and ${sql.ref(column)} <= ${range.last}`;
    // The range's totals are one read of their key too, joined by hash (a quarter of this
    // query's time less than a lookup per lease).
    return sql<SettledRow>`
    with d (timezone, today) as (values ${days}),
    totals as materialized (
      select t.lease_id, t.balance_cents, t.irregular, t.last_date, t.last_due
      from ledger_totals t
      where t.org_id = ${orgId} and ${inRange('t.lease_id')} offset 0),
    eventful as materialized (
      select distinct v.lease_id from events v
      where v.org_id = ${orgId} and ${inRange('v.lease_id')}),
    busy as materialized (
      select s.lease_id from (
        select lease_id, closed from cases
        where org_id = ${orgId} and ${inRange('lease_id')} offset 0) s
      where s.closed is null or s.closed >= (select min(today) from d)
      union
      select o.lease_id from (
        select lease_id, status from outbox
        where org_id = ${orgId} and ${inRange('lease_id')} offset 0) o
      where o.status in ('draft', 'approved', 'dispatching', 'unknown')),
    c as materialized (
      ${candidates},
        l.id in (select v.lease_id from eventful v)
        ${throughTenants ? sql`or te.hit is not null` : sql``} as has_events
      ${leases}
      left join totals lt on lt.lease_id = l.id
      ${tenantEvents}
      where l.org_id = ${orgId} and ${which}
        and not exists (select 1 from busy b where b.lease_id = l.id)
    )
    ${quiet ? quietlySettled(orgId, sums, quiet) : sums}`;
  }
  return sql<SettledRow>`
    with d (timezone, today) as (values ${days}),
    c as materialized (
      ${candidates},
        ev.hit is not null ${throughTenants ? sql`or te.hit is not null` : sql``} as has_events
      ${leases}
      left join lateral (
        select t.balance_cents, t.irregular, t.last_date, t.last_due from ledger_totals t
        where t.org_id = l.org_id and t.lease_id = l.id limit 1) lt on true
      left join lateral (
        select 1 as hit from events v
        where v.org_id = l.org_id and v.lease_id = l.id limit 1) ev on true
      ${tenantEvents}
      left join lateral (
        select 1 as hit from cases s
        where s.org_id = l.org_id and s.lease_id = l.id
          and (s.closed is null or s.closed >= d.today) limit 1) cs on true
      left join lateral (
        select 1 as hit from outbox o
        where o.org_id = l.org_id and o.lease_id = l.id
          and o.status in ('draft', 'approved', 'dispatching', 'unknown') limit 1) ob on true
      where l.org_id = ${orgId} and ${which}
        and cs.hit is null and ob.hit is null
    )
    ${sums}`;
}

/**
 * `settleQuietly`'s part of the settled-lease query: the rule, and per time zone its today,
 * its horizon and the instant each wake date through the horizon starts (JSON objects,
 * looked up per lease: as joins, estimates of a handful of rows made the planner loop over
 * every wake date for each lease).
 */
interface QuietPart {
  states: QuietStates;
  /** `{timezone: today}` */
  today: string;
  /** `{timezone: today + horizonDays}` */
  horizon: string;
  /** `{"timezone|date": instant}` */
  wake: string;
}

/** `QuietPart` for the organisation's time zones, each on its local today. */
function quietPart(
  zones: readonly { timezone: string }[],
  todayIn: (timezone: string) => string,
  states: QuietStates,
): QuietPart {
  const today: Record<string, string> = {};
  const horizon: Record<string, string> = {};
  const wake: Record<string, string> = {};
  for (const { timezone } of zones) {
    today[timezone] = todayIn(timezone);
    for (let day = 1; day <= states.horizonDays; day++) {
      const date = addDays(today[timezone], day);
      wake[`${timezone}|${date}`] = states.wakeAt(timezone, date);
    }
    horizon[timezone] = addDays(today[timezone], states.horizonDays);
  }
  return {
    states,
    today: JSON.stringify(today),
    horizon: JSON.stringify(horizon),
    wake: JSON.stringify(wake),
  };
}

/**
 * The settled rows `sums` (`SETTLED_COLUMNS`, after the CTEs of the range form) with the
 * quiet ones' states written (`QuietStates`: what evaluate-batch.ts gives a settled lease
 * without events and without a previous state). A lease with a state already (another
 * scan's, or one written since the batch was listed) is left alone and returned as settled;
 * so is one whose wake date is beyond the horizon. Quiet leases come back as rows with only
 * their id and `quiet`. The snapshot is written as JSON.stringify writes the evaluator's,
 * key for key (to_json escapes a string as it does).
 */
function quietlySettled(orgId: string, sums: RawBuilder<unknown>, q: QuietPart) {
  const { policyHash, evaluatedAt } = q.states;
  return sql`,
    found as materialized (${sums}),
    quiet as (
      insert into lease_state (org_id, lease_id, input_hash, next_due_at, readiness,
        readiness_reason, evaluated_at, tracking_from, snapshot)
      select ${orgId}, f.lease_id, ${policyHash}, f.wake_at, 'current', null, ${evaluatedAt},
        f.today,
        '{"leaseId":' || to_json(f.lease_id::text)::text || ',"pastDueCents":0,"balanceCents":'
          || f.balance::text
          || ',"openEpisode":null,"holds":[],"replyIds":[],"promises":[],"readiness":"current","summaryOf":"'
          || f.today || '"}'
      from (
        select f.lease_id, f.balance, ${q.today}::jsonb ->> f.timezone as today,
          ${q.wake}::jsonb ->> (f.timezone || '|' || coalesce(
            least(f.next_date collate "C",
              to_char(f.next_due::date + 1, 'YYYY-MM-DD') collate "C"),
            ${q.horizon}::jsonb ->> f.timezone)) as wake_at
        from found f
        where not f.has_events and f.irregular = 0 and f.slack >= 0) f
      where f.wake_at is not null
      on conflict (org_id, lease_id) do nothing
      returning lease_id)
    select f.*, false as quiet from found f
    left join quiet q on q.lease_id = f.lease_id
    where q.lease_id is null
    union all
    -- The id, a null for each other column of SETTLED_COLUMNS, and the flag.
    select q.lease_id, null, null, null, null, null, null, null, true from quiet q`;
}

/**
 * The events that reach each of `leaseIds` (its own, and its tenants' when `throughTenants`),
 * in the order the evaluator gets them (`byStoredEventOrder`, as the portfolio is loaded
 * for a scan). Leases without events are absent.
 */
async function eventsReaching(
  db: Db,
  orgId: string,
  leaseIds: readonly string[],
  throughTenants: boolean,
): Promise<Map<string, PortfolioEvent[]>> {
  const out = new Map<string, PortfolioEvent[]>();
  if (leaseIds.length === 0) return out;
  type Row = { lease_id: string; id: string; date: string; created_at: string; payload: string };
  const rows: Row[] = [];
  for (const part of chunks([...leaseIds], SETTLED_CHUNK)) {
    rows.push(
      ...(await db.kysely
        .selectFrom('events')
        .select(['lease_id as lease_id', 'id', 'date', 'created_at', 'payload'])
        .where('org_id', '=', orgId)
        .where(oneOf(db.dialect, 'lease_id', part))
        .$narrowType<{ lease_id: string }>()
        .execute()),
    );
    if (throughTenants)
      rows.push(
        ...(await db.kysely
          .selectFrom('lease_tenants as t')
          .innerJoin('events as v', (j) =>
            j.onRef('v.org_id', '=', 't.org_id').onRef('v.tenant_id', '=', 't.tenant_id'),
          )
          .select(['t.lease_id as lease_id', 'v.id', 'v.date', 'v.created_at', 'v.payload'])
          .where('t.org_id', '=', orgId)
          .where(oneOf(db.dialect, 't.lease_id', part))
          .execute()),
      );
  }
  rows.sort((a, b) => cmp(a.lease_id, b.lease_id) || byStoredEventOrder(a, b));
  for (const r of rows) {
    const list = out.get(r.lease_id);
    const e = JSON.parse(r.payload) as PortfolioEvent;
    if (list) list.push(e);
    else out.set(r.lease_id, [e]);
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A contiguous run of lease ids, by its first and last. */
interface LeaseRange {
  first: string;
  last: string;
}

/**
 * `leaseIds` in parts to read, each with the condition on `column` that selects it. A
 * contiguous run of ids (a full scan's batch) is one part read as a key range (`range`):
 * one index range scan instead of a list of thousands of ids to bind, parse and probe.
 */
function leaseIdParts(
  dialect: DialectName,
  leaseIds: readonly string[],
  contiguous: boolean,
  column: string,
): { ids: readonly string[]; which: RawBuilder<SqlBool>; range: LeaseRange | null }[] {
  const ref = sql.ref(column);
  if (contiguous) {
    const range = { first: leaseIds[0]!, last: leaseIds[leaseIds.length - 1]! };
    return [
      {
        ids: leaseIds,
        which: sql<SqlBool>`${ref} >= ${range.first} and ${ref} <= ${range.last}`,
        range,
      },
    ];
  }
  const parts: ReturnType<typeof leaseIdParts> = [];
  for (let i = 0; i < leaseIds.length; i += SETTLED_CHUNK) {
    const ids = leaseIds.slice(i, i + SETTLED_CHUNK);
    parts.push({ ids, which: oneOf(dialect, column, ids), range: null });
  }
  return parts;
}

export function scanStateStore(db: Db): ScanStateStore {
  /** The organisation's last finished scan (what "the last scan" means everywhere here). */
  const lastFinished = (orgId: string) =>
    db.kysely
      .selectFrom('scans')
      .where('org_id', '=', orgId)
      .where('finished_at', 'is not', null)
      .orderBy('finished_at', 'desc')
      .limit(1);
  /**
   * `settledLeases`, and with `states` (`settleQuietly`, PostgreSQL, a key range) the quiet
   * leases settled and their states written by the same statement.
   */
  const findSettled = async (
    orgId: string,
    leaseIds: readonly string[],
    todayIn: (timezone: string) => string,
    contiguous: boolean,
    states: QuietStates | null,
  ): Promise<{ settled: SettledLease[]; quiet: string[] }> => {
    const out: SettledLease[] = [];
    const quiet: string[] = [];
    if (leaseIds.length === 0) return { settled: out, quiet };
    const k = db.kysely;
    // `today` depends only on the time zone: one row per zone the organisation uses.
    const zones = await k
      .selectFrom('properties')
      .select('timezone')
      .distinct()
      .where('org_id', '=', orgId)
      .execute();
    if (zones.length === 0) return { settled: out, quiet };
    const days = sql.join(zones.map((z) => sql`(${z.timezone}, ${todayIn(z.timezone)})`));
    // Looking up every lease's tenants is a third of this query's reads, and only events
    // that name a tenant can reach a lease that way: without any, it is left out. (An
    // event written after this look marks its leases changed: the next scan has them.)
    const tenantEvents = await k
      .selectFrom('events')
      .select('id')
      .where('org_id', '=', orgId)
      .where('tenant_id', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    for (const { ids, which, range } of leaseIdParts(db.dialect, leaseIds, contiguous, 'l.id')) {
      // Cases open on or after today (onboarded ones included) and items still waiting
      // in the outbox always go to the evaluator: it closes cases and cancels what they
      // left behind. Leases with events (a flag, a reply, a promise …) come with them.
      // These are looked up per lease (subqueries of a materialised CTE, through each
      // table's lease index), or for a key range by one read of each index (PostgreSQL):
      // as joins, stale statistics could have the planner read every waiting item of the
      // organisation for each batch. Of the rest, only entries in effect on the lease's
      // local today count (SPEC R1). With no reversal and no earmarked payment, payments
      // fill the oldest due charges first, so payments ≥ the charges already past due
      // means nothing is past due.
      const query =
        db.dialect === 'postgres'
          ? postgresSettledQuery(
              orgId,
              days,
              which,
              !!tenantEvents,
              range,
              states && range ? quietPart(zones, todayIn, states) : null,
            )
          : sqliteSettledQuery(orgId, days, which, !!tenantEvents);
      const { rows } = await query.execute(k);
      const wanted = contiguous ? new Set(ids) : null;
      const found: SettledLease[] = [];
      const withEvents: string[] = [];
      for (const r of rows) {
        if (wanted && !wanted.has(r.lease_id)) continue; // added since the batch was listed
        if (r.quiet === true) {
          quiet.push(r.lease_id);
          continue;
        }
        if (Number(r.irregular) > 0 || Number(r.slack) < 0) continue;
        found.push({
          leaseId: r.lease_id,
          timezone: r.timezone,
          balanceCents: Number(r.balance),
          nextEntryDate: r.next_date ?? null,
          nextDueDate: r.next_due ?? null,
        });
        if (r.has_events === true || Number(r.has_events) === 1) withEvents.push(r.lease_id);
      }
      const events = await eventsReaching(db, orgId, withEvents, !!tenantEvents);
      for (const s of found) {
        const own = events.get(s.leaseId);
        out.push(own ? { ...s, events: own } : s);
      }
    }
    return { settled: out, quiet };
  };
  return {
    markChanged: (orgId, leaseIds, at) =>
      db.transaction((trx) => markLeasesChanged(trx, orgId, leaseIds, at)),

    async leasesToEvaluate(orgId, now, policyHash, all) {
      const k = db.kysely;
      const count = async (table: 'leases' | 'lease_state') => {
        const row = await k
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirst();
        return Number(row?.n ?? 0);
      };
      const [leases, states] = all
        ? [0, 0]
        : await Promise.all([count('leases'), count('lease_state')]);
      if (all || states === 0) {
        const rows = await k
          .selectFrom('leases')
          .select('id')
          .where('org_id', '=', orgId)
          .orderBy('id')
          .execute();
        return { leaseIds: rows.map((r) => r.id), every: true };
      }
      // Each reason is read through its own index (0016), not by a pass over every lease.
      // A lease's state row refers to the lease, so equal counts mean every lease has one
      // (markLeasesChanged writes one for a lease new since the first scan); otherwise (a
      // first scan cut short) the leases without one are looked up as well.
      const { rows } = await sql<{ lease_id: string }>`
        select lease_id from lease_state
          where org_id = ${orgId} and changed_at >= evaluated_at
        union
        select lease_id from lease_state
          where org_id = ${orgId} and next_due_at <= ${now}
        union
        select lease_id from lease_state
          where org_id = ${orgId} and (input_hash < ${policyHash} or input_hash > ${policyHash})
        ${
          leases === states
            ? sql``
            : sql`union
        select l.id as lease_id from leases l
          where l.org_id = ${orgId} and not exists (
            select 1 from lease_state s where s.org_id = l.org_id and s.lease_id = l.id)`
        }
        order by lease_id`.execute(k);
      return { leaseIds: rows.map((r) => r.lease_id), every: rows.length === leases };
    },

    async previousStates(orgId, leaseIds, options = {}) {
      const out: LeaseToEvaluate[] = [];
      if (leaseIds.length === 0) return out;
      for (const { which } of leaseIdParts(
        db.dialect,
        leaseIds,
        !!options.contiguous,
        'lease_id',
      )) {
        const q = db.kysely
          .selectFrom('lease_state')
          .select(['lease_id', 'tracking_from', 'snapshot', 'reported_balance_cents'])
          .where('org_id', '=', orgId)
          .where(which);
        for (const r of await q.execute())
          out.push({
            leaseId: r.lease_id,
            trackingFrom: r.tracking_from ?? null,
            snapshot: r.snapshot ?? null,
            reportedBalanceCents:
              r.reported_balance_cents === null ? null : Number(r.reported_balance_cents),
          });
      }
      return out;
    },

    async settledLeases(orgId, leaseIds, todayIn, options = {}) {
      return (await findSettled(orgId, leaseIds, todayIn, !!options.contiguous, null)).settled;
    },

    ...(db.dialect === 'postgres'
      ? {
          settleQuietly: (
            orgId: string,
            leaseIds: readonly string[],
            todayIn: (timezone: string) => string,
            states: QuietStates,
          ) => findSettled(orgId, leaseIds, todayIn, true, states),
        }
      : {}),

    async saveLeaseStates(orgId, rows, evaluatedAt) {
      if (rows.length === 0) return;
      await db.transaction(async (trx) => {
        await commitWithoutFlushWait(trx);
        await insertBulk(
          trx,
          'lease_state',
          rows.map((r: LeaseStateRow) => ({
            org_id: orgId,
            lease_id: r.leaseId,
            input_hash: r.inputHash,
            next_due_at: r.nextDueAt,
            readiness: r.readiness,
            readiness_reason: r.readinessReason,
            evaluated_at: evaluatedAt,
            tracking_from: r.trackingFrom,
            snapshot: r.snapshot,
          })),
          // Once set, the date Arrears started managing a lease never moves.
          `on conflict ("org_id", "lease_id") do update set
             "input_hash" = excluded."input_hash", "next_due_at" = excluded."next_due_at",
             "readiness" = excluded."readiness", "readiness_reason" = excluded."readiness_reason",
             "evaluated_at" = excluded."evaluated_at", "snapshot" = excluded."snapshot",
             "tracking_from" = coalesce("lease_state"."tracking_from", excluded."tracking_from")`,
        );
      });
    },

    async saveEpisodes(orgId, episodes, at) {
      if (episodes.length === 0) return;
      await db.transaction(async (trx) => {
        await commitWithoutFlushWait(trx);
        const head = await lockAuditHead(trx, orgId);
        const audits: AuditInput[] = [];
        for (let i = 0; i < episodes.length; i += EPISODE_CHUNK) {
          const part = episodes.slice(i, i + EPISODE_CHUNK);
          // Insert first: concurrent scans may find the same new episode.
          const inserted = await insertBulk<{ lease_id: string; episode: number | string }>(
            trx,
            'cases',
            part.map((e) => ({
              org_id: orgId,
              lease_id: e.leaseId,
              episode: e.episode,
              opened: e.opened,
              anchor: e.anchor,
              closed: e.closed,
              outcome: e.outcome,
              policy_id: e.policyId ?? null,
              policy_version: e.policyVersion ?? null,
              updated_at: at,
            })),
            'on conflict ("org_id", "lease_id", "episode") do nothing returning "lease_id", "episode"',
          );
          const fresh = new Set(inserted.map((r) => `${r.lease_id}\u0000${r.episode}`));
          const known = part.filter((e) => !fresh.has(`${e.leaseId}\u0000${e.episode}`));
          for (const e of part)
            if (fresh.has(`${e.leaseId}\u0000${e.episode}`))
              audits.push({
                at,
                actor: 'system:scan',
                type: 'case.opened',
                subject: `lease:${e.leaseId}`,
                // Keys in sorted order: canonical as written.
                data: {
                  anchor: e.anchor,
                  episode: e.episode,
                  opened: e.opened,
                  policy: e.policyId ?? null,
                  policyVersion: e.policyVersion ?? null,
                },
              });
          if (known.length === 0) continue;
          const stored = new Map(
            (
              await trx
                .selectFrom('cases')
                .select(['lease_id', 'episode', 'anchor', 'closed', 'outcome'])
                .where('org_id', '=', orgId)
                .where(
                  'lease_id',
                  'in',
                  known.map((e) => e.leaseId),
                )
                .execute()
            ).map((r) => [`${r.lease_id}\u0000${r.episode}`, r]),
          );
          const changed: EpisodeSummary[] = [];
          for (const e of known) {
            const existing = stored.get(`${e.leaseId}\u0000${e.episode}`);
            if (
              !existing ||
              (existing.anchor === e.anchor &&
                existing.closed === e.closed &&
                existing.outcome === e.outcome)
            )
              continue;
            changed.push(e);
            if (existing.closed === null && e.closed !== null)
              audits.push({
                at,
                actor: 'system:scan',
                type: 'case.closed',
                subject: `lease:${e.leaseId}`,
                data: { closed: e.closed, episode: e.episode, outcome: e.outcome },
              });
          }
          await updateCases(trx, orgId, changed, at);
        }
        await appendAuditMany(trx, orgId, audits, { head });
      });
    },

    async closeVanishedCases(orgId, leases, at) {
      if (leases.length === 0) return [];
      const byLease = new Map(leases.map((l) => [l.leaseId, l]));
      const closed: { leaseId: string; episode: number }[] = [];
      for (let i = 0; i < leases.length; i += SETTLED_CHUNK) {
        const ids = leases.slice(i, i + SETTLED_CHUNK).map((l) => l.leaseId);
        const open = await db.kysely
          .selectFrom('cases')
          .select(['lease_id', 'episode'])
          .where('org_id', '=', orgId)
          .where('closed', 'is', null)
          .where(oneOf(db.dialect, 'lease_id', ids))
          .execute();
        const vanished = open.filter(
          (c) => !byLease.get(c.lease_id)!.episodes.includes(Number(c.episode)),
        );
        if (vanished.length === 0) continue;
        await db.transaction(async (trx) => {
          await lockOrganisation(trx, orgId);
          const audits: AuditInput[] = [];
          for (const c of vanished) {
            const today = byLease.get(c.lease_id)!.today;
            const r = await trx
              .updateTable('cases')
              .set({ closed: today, outcome: 'paid', updated_at: at })
              .where('org_id', '=', orgId)
              .where('lease_id', '=', c.lease_id)
              .where('episode', '=', c.episode)
              .where('closed', 'is', null)
              .executeTakeFirst();
            if (Number(r.numUpdatedRows) === 0) continue;
            closed.push({ leaseId: c.lease_id, episode: Number(c.episode) });
            audits.push({
              at,
              actor: 'system:scan',
              type: 'case.closed',
              subject: `lease:${c.lease_id}`,
              data: { episode: Number(c.episode), closed: today, outcome: 'paid' },
            });
          }
          await appendAuditMany(trx, orgId, audits);
        });
      }
      return closed;
    },

    async setReportedBalances(orgId, rows) {
      if (rows.length === 0) return;
      await db.transaction(async (trx) => {
        for (let i = 0; i < rows.length; i += CHUNK)
          await trx
            .insertInto('lease_state')
            .values(
              rows.slice(i, i + CHUNK).map((r) => ({
                org_id: orgId,
                lease_id: r.leaseId,
                // Never evaluated yet: an empty fingerprint makes the next scan evaluate it.
                input_hash: '',
                next_due_at: null,
                readiness: 'pending',
                readiness_reason: null,
                evaluated_at: NEVER_EVALUATED,
                reported_balance_cents: r.cents,
              })),
            )
            .onConflict((oc) =>
              oc.columns(['org_id', 'lease_id']).doUpdateSet((eb) => ({
                reported_balance_cents: eb.ref('excluded.reported_balance_cents'),
              })),
            )
            .execute();
      });
    },

    async trackingFrom(orgId, leaseId) {
      const row = await db.kysely
        .selectFrom('lease_state')
        .select('tracking_from')
        .where('org_id', '=', orgId)
        .where('lease_id', '=', leaseId)
        .executeTakeFirst();
      return row?.tracking_from ?? null;
    },

    async openCases(orgId) {
      const rows = await db.kysely
        .selectFrom('cases')
        .leftJoin('lease_state', (j) =>
          j
            .onRef('lease_state.org_id', '=', 'cases.org_id')
            .onRef('lease_state.lease_id', '=', 'cases.lease_id'),
        )
        .select(['cases.lease_id', 'cases.episode', 'lease_state.tracking_from'])
        .where('cases.org_id', '=', orgId)
        .where('cases.closed', 'is', null)
        .orderBy('cases.lease_id')
        .execute();
      return rows.map((r) => ({
        leaseId: r.lease_id,
        episode: r.episode,
        trackingFrom: r.tracking_from ?? null,
      }));
    },

    ...(db.dialect === 'postgres'
      ? {
          // At a million leases, 4,000 took 3 % less time than 2,000 (fewer statements and
          // round trips) for some 70 MiB more memory, and 6,000 no less. SQLite keeps the
          // scan's default: it has no round trips to save, and its full scan of a million
          // leases peaked at 1,044 MiB with 4,000 against 938 with 2,000.
          batchLeases: 4_000,
          async refreshStatistics() {
            await sql`analyze lease_state, outbox, outbox_transitions, cases`.execute(db.kysely);
          },
        }
      : {}),

    async startScan(orgId, id, startedAt, asOf) {
      await db.kysely
        .insertInto('scans')
        .values({
          org_id: orgId,
          id,
          started_at: startedAt,
          finished_at: null,
          as_of: asOf,
          counts: null,
        })
        .execute();
    },

    async lastScanStart(orgId) {
      const row = await lastFinished(orgId).select(['started_at', 'as_of']).executeTakeFirst();
      return row ? { startedAt: row.started_at, asOf: row.as_of } : null;
    },

    async lastScan(orgId) {
      const row = await lastFinished(orgId)
        .select(['id', 'as_of', 'finished_at', 'counts'])
        .executeTakeFirst();
      if (!row || !row.counts) return null;
      const parsed = JSON.parse(row.counts) as ScanCounts & { changes?: unknown[] };
      const { changes = [], ...counts } = parsed;
      return { id: row.id, asOf: row.as_of, finishedAt: row.finished_at!, counts, changes };
    },

    async finishScan(orgId, id, finishedAt, counts, changes) {
      await db.transaction(async (trx) => {
        await trx
          .updateTable('scans')
          .set({ finished_at: finishedAt, counts: JSON.stringify({ ...counts, changes }) })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .execute();
        await appendAudit(trx, orgId, {
          at: finishedAt,
          actor: 'system:scan',
          type: 'scan.completed',
          subject: `scan:${id}`,
          data: { ...counts },
        });
      });
    },
  };
}

/**
 * Stores the changed anchor, close and outcome of cases: on PostgreSQL in one statement
 * (a payment run closes thousands of cases at once; one round trip each was most of an
 * incremental scan's writes), on SQLite row by row (in-process, nothing to save).
 */
async function updateCases(
  trx: DbTransaction,
  orgId: string,
  cases: readonly EpisodeSummary[],
  at: string,
): Promise<void> {
  if (cases.length === 0) return;
  const rows = cases.map((e) => ({
    lease_id: e.leaseId,
    episode: e.episode,
    anchor: e.anchor,
    closed: e.closed,
    outcome: e.outcome,
    policy_id: e.policyId ?? null,
    policy_version: e.policyVersion ?? null,
  }));
  if (trx.dialect === 'postgres') {
    for (const part of chunks(rows, PG_BATCH_ROWS)) {
      const source = pgRecordset(Object.keys(part[0]!), part, 3);
      await trx.executeQuery(
        CompiledQuery.raw(
          `update "cases" as c set "anchor" = r."anchor", "closed" = r."closed",
             "outcome" = r."outcome", "policy_id" = r."policy_id",
             "policy_version" = r."policy_version", "updated_at" = $1
           from (${source.text}) as r
           where c."org_id" = $2 and c."lease_id" = r."lease_id" and c."episode" = r."episode"`,
          [at, orgId, ...source.params],
        ),
      );
    }
    return;
  }
  for (const r of rows)
    await trx
      .updateTable('cases')
      .set({
        anchor: r.anchor,
        closed: r.closed,
        outcome: r.outcome,
        policy_id: r.policy_id,
        policy_version: r.policy_version,
        updated_at: at,
      })
      .where('org_id', '=', orgId)
      .where('lease_id', '=', r.lease_id)
      .where('episode', '=', r.episode)
      .execute();
}
