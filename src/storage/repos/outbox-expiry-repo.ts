/**
 * What draft expiry (app/expire-stale-items.ts) reads and writes. Reading: every item of
 * each lease episode that still has a draft or approved item, with the property's zone.
 * Writing: the `→ expired` transitions, through the outbox repository's one transition path
 * (guarded update, history row, audit entry), a chunk of items per transaction.
 */
import {
  MOVED_ON_STATUSES,
  type EpisodeItem,
  type ExpiryReason,
  type OutboxExpiryStore,
} from '../../app/expire-stale-items.js';
import type { Clock } from '../../app/ports/clock.js';
import { systemClock } from '../../app/ports/clock.js';
import { OutboxConflictError, OutboxTransitionError } from '../../domain/outbox/states.js';
import { sql } from 'kysely';
import type { Db } from '../database.js';
import { lockOrganisation } from './organisations-repo.js';
import { createOutboxRepo } from './outbox-repo.js';

const IN_CHUNK = 2000;
const WRITE_CHUNK = 200;

function scheduledDate(payload: string): string | null {
  try {
    const p = JSON.parse(payload) as { date?: unknown };
    return typeof p.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(p.date) ? p.date : null;
  } catch {
    return null;
  }
}

export function createOutboxExpiryRepo(db: Db, clock: Clock = systemClock): OutboxExpiryStore {
  const outbox = createOutboxRepo(db, clock);

  /**
   * Episodes with an open item; with `staleBefore`, only those where something can expire:
   * an open item scheduled long enough ago, or an open message with a sibling stage that
   * went out. Every other episode would be read (with every item's payload) only to find
   * nothing, on every scan.
   */
  function openEpisodes(orgId: string, staleBefore: string | undefined) {
    let q = db.kysely
      .selectFrom('outbox as o')
      .select(['o.lease_id', 'o.episode'])
      .distinct()
      .where('o.org_id', '=', orgId)
      .where('o.status', 'in', ['draft', 'approved']);
    if (staleBefore !== undefined)
      q = q
        .where('o.stage', 'not like', '$%')
        .where((eb) =>
          eb.or([
            eb('o.due_at', '<', staleBefore),
            eb.and([
              eb('o.type', '=', 'message'),
              eb.exists(
                eb
                  .selectFrom('outbox as m')
                  .select(sql.lit(1).as('one'))
                  .whereRef('m.org_id', '=', 'o.org_id')
                  .whereRef('m.lease_id', '=', 'o.lease_id')
                  .whereRef('m.episode', '=', 'o.episode')
                  .whereRef('m.stage', '<>', 'o.stage')
                  .where('m.status', 'in', MOVED_ON_STATUSES),
              ),
            ]),
          ]),
        );
    return q.execute();
  }

  /**
   * The episodes where something can have expired since `changedSince`, each through its
   * own index: open items due before `staleBefore` (the queue index), open messages created
   * since with a sibling stage that went out (the creation index) and items that went out
   * since (the transitions' time index).
   * A superset: `decideExpiry` decides on the items. Every open message would otherwise be
   * checked for a sibling that went out, on every scan (a second at a million leases).
   */
  async function changedEpisodes(orgId: string, staleBefore: string, changedSince: string) {
    const { rows } = await sql<{ lease_id: string; episode: number }>`
      select lease_id, episode from outbox
        where org_id = ${orgId} and status in ('draft', 'approved') and due_at < ${staleBefore}
          and stage not like '$%'
      union
      select o.lease_id, o.episode from outbox o
        where o.org_id = ${orgId} and o.created_at >= ${changedSince}
          and o.status in ('draft', 'approved') and o.type = 'message' and o.stage not like '$%'
          and exists (
            select 1 from outbox m
              where m.org_id = o.org_id and m.lease_id = o.lease_id and m.episode = o.episode
                and m.stage <> o.stage and m.status in (${sql.join(MOVED_ON_STATUSES)}))
      union
      select m.lease_id, m.episode from outbox_transitions t
        join outbox m on m.org_id = t.org_id and m.key = t.key
        where t.org_id = ${orgId} and t.at >= ${changedSince}
          and t.to_status in (${sql.join(MOVED_ON_STATUSES)})`.execute(db.kysely);
    return rows.map((r) => ({ lease_id: r.lease_id, episode: Number(r.episode) }));
  }

  return {
    async episodeItems(orgId, options = {}) {
      const { staleBefore, changedSince } = options;
      const open =
        staleBefore !== undefined && changedSince !== undefined
          ? await changedEpisodes(orgId, staleBefore, changedSince)
          : await openEpisodes(orgId, staleBefore);
      if (open.length === 0) return [];
      const episodes = new Set(open.map((o) => `${o.lease_id}\u0000${o.episode}`));
      const leaseIds = [...new Set(open.map((o) => o.lease_id))].sort();
      const out: EpisodeItem[] = [];
      for (let i = 0; i < leaseIds.length; i += IN_CHUNK) {
        const rows = await db.kysely
          .selectFrom('outbox')
          .leftJoin('leases', (j) =>
            j
              .onRef('leases.org_id', '=', 'outbox.org_id')
              .onRef('leases.id', '=', 'outbox.lease_id'),
          )
          .leftJoin('properties', (j) =>
            j
              .onRef('properties.org_id', '=', 'leases.org_id')
              .onRef('properties.id', '=', 'leases.property_id'),
          )
          .select([
            'outbox.key',
            'outbox.lease_id',
            'outbox.episode',
            'outbox.stage',
            'outbox.type',
            'outbox.status',
            'outbox.payload',
            'outbox.due_at',
            'properties.timezone',
          ])
          .where('outbox.org_id', '=', orgId)
          .where('outbox.lease_id', 'in', leaseIds.slice(i, i + IN_CHUNK))
          .orderBy('outbox.key')
          .execute();
        for (const r of rows) {
          if (!episodes.has(`${r.lease_id}\u0000${r.episode}`)) continue;
          out.push({
            key: r.key,
            leaseId: r.lease_id,
            episode: r.episode,
            stage: r.stage,
            type: r.type,
            status: r.status,
            date: scheduledDate(r.payload),
            dueAt: r.due_at,
            // A lease whose property is gone: UTC is as good a guess as any for its date.
            timezone: r.timezone ?? 'UTC',
          });
        }
      }
      return out;
    },

    async expire(orgId, items, actor, at) {
      const expired: string[] = [];
      for (let i = 0; i < items.length; i += WRITE_CHUNK) {
        const part = items.slice(i, i + WRITE_CHUNK);
        const done = await db.transaction(async (trx) => {
          await lockOrganisation(trx, orgId);
          const keys: string[] = [];
          for (const { key, reason } of part) {
            try {
              await outbox.transition(trx, orgId, key, 'expired', {
                actor,
                reason: reason satisfies ExpiryReason,
                at,
              });
              keys.push(key);
            } catch (e) {
              // Approved, claimed or decided by someone since it was read: no longer ours
              // to expire. Neither error leaves a failed statement in the transaction.
              if (e instanceof OutboxConflictError || e instanceof OutboxTransitionError) continue;
              throw e;
            }
          }
          return keys;
        });
        expired.push(...done);
      }
      return expired;
    },
  };
}
