/**
 * The WebhookEventStore over `webhook_events`, the webhook inbox (migrations 0003, 0017): a
 * provider event is claimed (or queued for the drainer) by inserting its id — the primary
 * key makes concurrent deliveries race safely —, marked handled once the connector is done
 * (its stored request cleared), and given back when inline handling failed. A claim left
 * behind by a crashed process is taken over after `staleAfterMs`.
 *
 * Group commit: claims and completions that arrive while the previous write is in flight
 * (or in the same turn of the event loop) are written together once it has finished — on
 * PostgreSQL one statement (a multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`, the
 * completions' UPDATE in a CTE of it), on SQLite one transaction —, so one commit serves a
 * whole group, and each caller is answered only after that commit. The drainer's
 * completions are lazy: they ride along with the next claims rather than cost a commit of
 * their own. If a group fails, each of its writes is tried alone, so one bad row fails only
 * its own caller. A conflict (the event is stored already) is then resolved by reading the
 * stored row: handled, queued or failed → duplicate; claimed → in progress, or taken over
 * when stale.
 */
import { sql, type RawBuilder } from 'kysely';
import type {
  QueuedWebhookEvent,
  StoredWebhookRequest,
  WebhookClaim,
  WebhookClaimOptions,
  WebhookEventStore,
  WebhookInboxCounts,
} from '../../app/ports/webhooks.js';
import type { Db } from '../database.js';

export interface WebhookEventsRepoOptions {
  /** A claim older than this is taken over by the next delivery (default 5 minutes). */
  staleAfterMs?: number;
}

/** At most this many claims (and as many completions) share one write. */
export const WEBHOOK_GROUP_MAX = 500;
/** How long a lazy completion waits for a write to share before it is written alone. */
export const LAZY_MS = 20;

interface PendingClaim {
  connector: string;
  eventId: string;
  at: string;
  options: WebhookClaimOptions;
  resolve: (claim: WebhookClaim) => void;
  reject: (error: unknown) => void;
}

interface PendingCompletion {
  connector: string;
  eventId: string;
  token: string;
  at: string;
  lazy: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

type InboxRow = {
  connector: string;
  event_id: string;
  received_at: string;
  attempts: number;
  body: Buffer | null;
  headers: string | null;
  url: string | null;
};

export function createWebhookEventsRepo(
  db: Db,
  orgId: string,
  options: WebhookEventsRepoOptions = {},
): WebhookEventStore {
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const k = db.kysely;
  const staleBefore = (at: string) => new Date(Date.parse(at) - staleAfterMs).toISOString();
  const claims: PendingClaim[] = [];
  const completions: PendingCompletion[] = [];
  /** When the drainer last looked for stale claims (epoch ms). */
  let staleCheckedAt = Number.NEGATIVE_INFINITY;
  let writing = false;

  /** Completions nobody waits for (lazy), written with the next group or after LAZY_MS. */
  let lazyTimer: NodeJS.Timeout | undefined;
  /** Completions waiting that are not lazy. */
  let eager = 0;
  /** Claims and eager completions waiting: a write is due now. */
  const urgent = () => claims.length > 0 || eager > 0;

  function schedule(): void {
    if (writing) return;
    if (urgent()) start(false);
    else if (completions.length > 0)
      lazyTimer ??= setTimeout(() => {
        lazyTimer = undefined;
        if (!writing) start(true);
      }, LAZY_MS);
  }

  function start(lazyAlone: boolean): void {
    writing = true;
    clearTimeout(lazyTimer);
    lazyTimer = undefined;
    // The first write after a quiet spell waits one turn of the event loop, so requests read
    // in the same turn share it: SQLite runs a statement without ever yielding, so no group
    // would form behind it otherwise.
    setImmediate(() => void flush(lazyAlone));
  }

  /** Writes groups while claims or eager completions wait; lazy completions ride along. */
  async function flush(lazyAlone: boolean): Promise<void> {
    try {
      let alone = lazyAlone;
      while (urgent() || (alone && completions.length > 0)) {
        alone = false;
        const done = completions.splice(0, WEBHOOK_GROUP_MAX);
        eager -= done.filter((d) => !d.lazy).length;
        await writeGroup(claims.splice(0, WEBHOOK_GROUP_MAX), done);
      }
    } finally {
      writing = false;
      schedule();
    }
  }

  async function writeGroup(group: PendingClaim[], done: PendingCompletion[]): Promise<void> {
    // The first claim of an event id goes in the insert; a repeat within the group is
    // answered from the row the first one wrote.
    const firsts = new Map<string, PendingClaim>();
    const repeats: PendingClaim[] = [];
    for (const c of group) {
      const key = keyOf(c.connector, c.eventId);
      if (firsts.has(key)) repeats.push(c);
      else firsts.set(key, c);
    }
    let inserted: Set<string>;
    try {
      inserted = await write([...firsts.values()], done);
    } catch (error) {
      if (group.length + done.length === 1) {
        group.forEach((c) => c.reject(error));
        done.forEach((d) => d.reject(error));
        return;
      }
      // Nothing of the group was written: each write is tried alone.
      for (const c of group) await writeGroup([c], []);
      for (const d of done) await writeGroup([], [d]);
      return;
    }
    done.forEach((d) => d.resolve());
    const conflicts = [...repeats];
    for (const [key, c] of firsts) {
      if (!inserted.has(key)) conflicts.push(c);
      else c.resolve(c.options.queue ? { status: 'queued' } : { status: 'claimed', token: c.at });
    }
    // Rare (replays, races): resolved beside the next groups rather than ahead of them.
    for (const c of conflicts) void resolveConflict(c).then(c.resolve, c.reject);
  }

  /** Inserts the claims and completes the completions in one commit; the inserted keys. */
  async function write(group: PendingClaim[], done: PendingCompletion[]): Promise<Set<string>> {
    // In key order: two processes inserting the same ids at once wait for each other in the
    // same order, never in a deadlock.
    const rows = group
      .map((c) => ({
        connector: c.connector,
        event_id: c.eventId,
        received_at: c.at,
        state: c.options.queue ? 'queued' : 'claimed',
        attempts: c.options.queue ? 0 : 1,
        ...stored(c.options.request),
      }))
      .sort((a, b) => byStrings([a.connector, a.event_id], [b.connector, b.event_id]));
    const completed = done.map((d) => ({
      connector: d.connector,
      event_id: d.eventId,
      token: d.token,
      at: d.at,
    }));
    let returned: Key[] = [];
    if (db.dialect === 'postgres') {
      if (rows.length > 0 || completed.length > 0)
        returned = (await postgresWrite(rows, completed).execute(k)).rows;
    } else if (rows.length === 0 || completed.length === 0) {
      if (rows.length > 0) returned = (await sqliteInsert(rows).execute(k)).rows;
      if (completed.length > 0) await sqliteComplete(completed).execute(k);
    } else {
      returned = await db.transaction(async (trx) => {
        await sqliteComplete(completed).execute(trx);
        return (await sqliteInsert(rows).execute(trx)).rows;
      });
    }
    return new Set(returned.map((r) => keyOf(r.connector, r.event_id)));
  }

  type NewRow = {
    connector: string;
    event_id: string;
    received_at: string;
    state: string;
    attempts: number;
    body: Buffer | null;
    headers: string | null;
    url: string | null;
  };
  type Completion = { connector: string; event_id: string; token: string; at: string };

  /** One statement: the completions (a CTE, run whether read or not), then the insert. */
  function postgresWrite(rows: NewRow[], completed: Completion[]) {
    const complete =
      completed.length === 0
        ? undefined
        : sql`update webhook_events w set state = 'handled', handled_at = d.at, body = null,
            headers = null, url = null, last_error = null
          from json_to_recordset(${JSON.stringify(completed)}::json)
            as d(connector text, event_id text, token text, at text)
          where w.org_id = ${orgId} and w.connector = d.connector and w.event_id = d.event_id
            and w.claimed_at = d.token and w.state = 'claimed'`;
    if (rows.length === 0) return sql<Key>`${complete!}`;
    const json = JSON.stringify(
      rows.map((r) => ({ ...r, body: r.body === null ? null : r.body.toString('base64') })),
    );
    const before = complete ? sql`with done as (${complete})` : sql``;
    return sql<Key>`${before} insert into webhook_events (org_id, connector, event_id,
        received_at, claimed_at, state, attempts, available_at, body, headers, url)
      select ${orgId}, r.connector, r.event_id, r.received_at, r.received_at, r.state,
        r.attempts, r.received_at, decode(r.body, 'base64'), r.headers, r.url
      from json_to_recordset(${json}::json) as r(connector text, event_id text,
        received_at text, state text, attempts int4, body text, headers text, url text)
      on conflict (org_id, connector, event_id) do nothing
      returning connector, event_id`;
  }

  function sqliteInsert(rows: NewRow[]) {
    const values = rows.map(
      (r) =>
        sql`(${orgId}, ${r.connector}, ${r.event_id}, ${r.received_at}, ${r.received_at}, ${r.state}, ${r.attempts}, ${r.received_at}, ${r.body}, ${r.headers}, ${r.url})`,
    );
    return sql<Key>`insert into webhook_events (org_id,
        connector, event_id, received_at, claimed_at, state, attempts, available_at, body,
        headers, url)
      values ${sql.join(values)}
      on conflict (org_id, connector, event_id) do nothing
      returning connector, event_id`;
  }

  function sqliteComplete(completed: Completion[]) {
    const values = completed.map((d) => sql`(${d.connector}, ${d.event_id}, ${d.token}, ${d.at})`);
    return sql`update webhook_events set state = 'handled', handled_at = d.column4,
        body = null, headers = null, url = null, last_error = null
      from (values ${sql.join(values)}) as d
      where webhook_events.org_id = ${orgId} and webhook_events.connector = d.column1
        and webhook_events.event_id = d.column2 and webhook_events.claimed_at = d.column3
        and webhook_events.state = 'claimed'`;
  }

  /**
   * Claims up to `limit` events of `connectors` with their request stored that match
   * `state`, oldest first, in that order. On PostgreSQL rows another process is claiming are
   * skipped, not waited for (SQLite has one writer at a time). The pick is a materialised
   * CTE: as a subquery PostgreSQL may run it again for each row, and its LIMIT would not
   * hold. SQLite is told to read the inbox index: without statistics it would rather walk
   * the primary key through every event ever handled.
   */
  async function claimWhere(
    connectors: readonly string[],
    at: string,
    state: RawBuilder<boolean>,
    limit: number,
  ): Promise<InboxRow[]> {
    const postgres = db.dialect === 'postgres';
    const lock = postgres ? sql`for update skip locked` : sql``;
    const index = postgres ? sql`` : sql`indexed by webhook_inbox_idx`;
    const { rows } = await sql<InboxRow>`with pick as materialized (
        select connector, event_id from webhook_events ${index}
        where org_id = ${orgId} and ${NOT_HANDLED} and ${state}
          and connector in (${sql.join([...connectors])}) and body is not null
        order by received_at, connector, event_id
        limit ${limit} ${lock})
      update webhook_events
      set state = 'claimed', claimed_at = ${at}, attempts = attempts + 1
      where org_id = ${orgId} and (connector, event_id) in (select connector, event_id from pick)
      returning connector, event_id, received_at, attempts, body, headers, url`.execute(k);
    return rows.sort((a, b) =>
      byStrings([a.received_at, a.connector, a.event_id], [b.received_at, b.connector, b.event_id]),
    );
  }

  async function resolveConflict(c: PendingClaim): Promise<WebhookClaim> {
    const existing = await k
      .selectFrom('webhook_events')
      .select(['state', 'claimed_at'])
      .where('org_id', '=', orgId)
      .where('connector', '=', c.connector)
      .where('event_id', '=', c.eventId)
      .executeTakeFirst();
    // Released since the insert ran into it: the provider's next retry will be handled.
    if (!existing) return { status: 'in_progress' };
    if (existing.state !== 'claimed') return { status: 'duplicate' };
    if (existing.claimed_at >= staleBefore(c.at)) return { status: 'in_progress' };
    // Take the stale claim over (handled now, whatever the caller asked), unless another
    // delivery just did.
    const taken = await k
      .updateTable('webhook_events')
      .set((eb) => ({ claimed_at: c.at, attempts: eb('attempts', '+', 1) }))
      .where('org_id', '=', orgId)
      .where('connector', '=', c.connector)
      .where('event_id', '=', c.eventId)
      .where('state', '=', 'claimed')
      .where('claimed_at', '=', existing.claimed_at)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) > 0
      ? { status: 'claimed', token: c.at }
      : { status: 'in_progress' };
  }

  return {
    claim(connector, eventId, at, claimOptions = {}) {
      return new Promise<WebhookClaim>((resolve, reject) => {
        claims.push({ connector, eventId, at, options: claimOptions, resolve, reject });
        schedule();
      });
    },

    complete(connector, eventId, token, at, completeOptions = {}) {
      return new Promise<void>((resolve, reject) => {
        const lazy = completeOptions.lazy === true;
        if (!lazy) eager++;
        completions.push({ connector, eventId, token, at, lazy, resolve, reject });
        schedule();
      });
    },

    async release(connector, eventId, token) {
      await k
        .deleteFrom('webhook_events')
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('event_id', '=', eventId)
        .where('claimed_at', '=', token)
        .where('state', '=', 'claimed')
        .execute();
    },

    async claimQueued(connectors, at, limit): Promise<QueuedWebhookEvent[]> {
      if (connectors.length === 0 || limit <= 0) return [];
      // Claims gone stale first (they are the older), then queued events due: two scans of
      // the inbox index in its order, each stopping at the limit. Stale claims (a crash's)
      // are looked for every tenth of the stale limit only, not for every batch.
      const now = Date.parse(at);
      const lookForStale = !(now >= staleCheckedAt && now - staleCheckedAt < staleAfterMs / 10);
      if (lookForStale) staleCheckedAt = now;
      const stale = lookForStale
        ? await claimWhere(
            connectors,
            at,
            sql<boolean>`state = 'claimed' and claimed_at < ${staleBefore(at)}`,
            limit,
          )
        : [];
      const due =
        stale.length < limit
          ? await claimWhere(
              connectors,
              at,
              sql<boolean>`state = 'queued' and available_at <= ${at}`,
              limit - stale.length,
            )
          : [];
      return [...stale, ...due].map((r) => ({
        connector: r.connector,
        eventId: r.event_id,
        receivedAt: r.received_at,
        token: at,
        attempts: Number(r.attempts),
        request: {
          rawBody: r.body ?? Buffer.alloc(0),
          headers:
            r.headers === null ? {} : (JSON.parse(r.headers) as StoredWebhookRequest['headers']),
          url: r.url ?? '',
        },
      }));
    },

    async fail(connector, eventId, token, failure) {
      await k
        .updateTable('webhook_events')
        .set({
          state: failure.retryAt === null ? 'failed' : 'queued',
          available_at: failure.retryAt ?? failure.at,
          last_error: failure.error,
        })
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('event_id', '=', eventId)
        .where('claimed_at', '=', token)
        .where('state', '=', 'claimed')
        .execute();
    },

    async inboxCounts(): Promise<WebhookInboxCounts> {
      const rows = await k
        .selectFrom('webhook_events')
        .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
        .where('org_id', '=', orgId)
        .where(NOT_HANDLED)
        .groupBy('state')
        .execute();
      const counts: WebhookInboxCounts = { queued: 0, claimed: 0, failed: 0 };
      for (const r of rows) counts[r.state as keyof WebhookInboxCounts] = Number(r.n);
      return counts;
    },
  };
}

/**
 * The condition of the partial index `webhook_inbox_idx`, spelled as it is: SQLite uses a
 * partial index only for a query that states its condition.
 */
const NOT_HANDLED = sql<boolean>`state <> 'handled'`;

type Key = { connector: string; event_id: string };

const keyOf = (connector: string, eventId: string) => `${connector}\u0000${eventId}`;

/** Orders tuples of strings by their first difference. */
function byStrings(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function stored(request: StoredWebhookRequest | undefined): {
  body: Buffer | null;
  headers: string | null;
  url: string | null;
} {
  if (!request) return { body: null, headers: null, url: null };
  return { body: request.rawBody, headers: JSON.stringify(request.headers), url: request.url };
}
