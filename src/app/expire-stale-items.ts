/**
 * Draft expiry (domain/outbox/states.ts: draft → expired, approved → expired, by the system:
 * "not approved / dispatched while it still applied"). At scan time an open item of an
 * episode expires when
 *
 *   superseded  a message, when a later stage of the same lease and episode has already
 *               gone out: the case has moved on and the earlier message no longer
 *               says the right thing. Notices, fees, access changes and tasks are not
 *               superseded: a statutory notice a later stage relies on must not vanish
 *               because the next stage came due while it waited for approval;
 *   stale       it was scheduled more than 14 days before the scan's local date at the
 *               property: a notice about a balance that old must be re-planned, not sent.
 *
 * Engine stages (`$…`, e.g. restoring access after payment) never expire: they are not
 * about a balance and must go whenever they go. An expired item keeps its key, so the scan
 * does not queue it again; what replaces it is a person's decision.
 */
import { addDays } from '../domain/dates.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';

export const STALE_AFTER_DAYS = 14;

export type ExpiryReason = 'superseded' | 'stale';

/** One item of an episode that has an open item, as the store reads it. */
export interface EpisodeItem {
  key: string;
  leaseId: string;
  episode: number;
  stage: string;
  /** Action type (`message`, `document`, `fee`, `task` …): only messages are superseded. */
  type: string;
  status: string;
  /** Local date the action was scheduled for (the draft's `date`), when recorded. */
  date: string | null;
  dueAt: string;
  /** The property's IANA zone (the scan's local date is taken there). */
  timezone: string;
}

export interface OutboxExpiryStore {
  /**
   * Every item of each lease episode that has a draft or approved item; with
   * `staleBefore` (an instant), only of the episodes where an open item is due before it or
   * an open message has a sibling stage that went out — the only ones where `decideExpiry`
   * can find anything. With `changedSince` (an instant) as well, the sibling rule looks
   * only at episodes where an open message was created, or an item went out, since then:
   * the others were looked at by an earlier expiry and nothing there has moved.
   */
  episodeItems(
    orgId: string,
    options?: { staleBefore?: string; changedSince?: string },
  ): Promise<EpisodeItem[]>;
  /**
   * Expires these items (system transition with history and audit), in one transaction;
   * returns the keys expired. An item that moved on meanwhile is left alone.
   */
  expire(
    orgId: string,
    items: readonly { key: string; reason: ExpiryReason }[],
    actor: string,
    at: string,
  ): Promise<string[]>;
}

export interface ExpireDeps {
  clock: Clock;
  expiry: OutboxExpiryStore;
}

/**
 * Statuses of a later stage that mean the case moved on: it went out (or is going). A later
 * stage merely queued is not enough: a catch-up scan queues several stages at once, and
 * the evaluator has already decided (R4) which of them still go.
 */
export const MOVED_ON_STATUSES = ['dispatching', 'sent', 'delivered', 'unknown'] as const;
const MOVED_ON = new Set<string>(MOVED_ON_STATUSES);
const OPEN = new Set(['draft', 'approved']);

/** Pure: which open items expire at `atMs`, and why. */
export function decideExpiry(
  items: readonly EpisodeItem[],
  atMs: number,
): { key: string; reason: ExpiryReason }[] {
  const scheduled = (it: EpisodeItem) =>
    it.date ?? epochToLocal(Date.parse(it.dueAt), it.timezone).date;
  const episodes = new Map<string, EpisodeItem[]>();
  for (const it of items) {
    if (it.stage.startsWith('$')) continue;
    const k = `${it.leaseId}\u0000${it.episode}`;
    const list = episodes.get(k) ?? [];
    list.push(it);
    episodes.set(k, list);
  }
  const out: { key: string; reason: ExpiryReason }[] = [];
  for (const list of episodes.values())
    for (const it of list) {
      if (!OPEN.has(it.status)) continue;
      const date = scheduled(it);
      const superseded =
        it.type === 'message' &&
        list.some(
          (other) =>
            other.stage !== it.stage && MOVED_ON.has(other.status) && scheduled(other) > date,
        );
      if (superseded) {
        out.push({ key: it.key, reason: 'superseded' });
        continue;
      }
      const today = epochToLocal(atMs, it.timezone).date;
      if (date < addDays(today, -STALE_AFTER_DAYS)) out.push({ key: it.key, reason: 'stale' });
    }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface ExpireResult {
  expired: { key: string; reason: ExpiryReason }[];
}

export async function expireStaleItems(
  deps: ExpireDeps,
  options: {
    orgId: string;
    at?: number;
    actor?: string;
    /** The previous expiry's start (wall clock): only what changed since can be superseded. */
    changedSince?: string;
  },
): Promise<ExpireResult> {
  const atMs = options.at ?? deps.clock.now();
  // An item is stale when its local date is more than STALE_AFTER_DAYS before today's;
  // its due instant falls on that date, so two days' slack covers every time zone.
  const staleBefore = new Date(atMs - (STALE_AFTER_DAYS - 2) * 86_400_000).toISOString();
  const decided = decideExpiry(
    await deps.expiry.episodeItems(options.orgId, {
      staleBefore,
      ...(options.changedSince !== undefined ? { changedSince: options.changedSince } : {}),
    }),
    atMs,
  );
  if (decided.length === 0) return { expired: [] };
  const done = new Set(
    await deps.expiry.expire(
      options.orgId,
      decided,
      options.actor ?? 'system:scan',
      new Date(atMs).toISOString(),
    ),
  );
  return { expired: decided.filter((d) => done.has(d.key)) };
}
