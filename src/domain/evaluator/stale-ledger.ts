/**
 * R8 `stale_ledger`: a lease whose ledger comes from a source that syncs — `lease.sourceId`
 * names a source with a `lastSyncAt` — is held while that last successful sync is older
 * than the policy's `staleLedgerHours`. The hold is derived on each evaluation, never
 * stored: it is in force from the local date the ledger went stale and vanishes with the
 * next successful sync, so nothing is shifted by it (what came due meanwhile is caught up
 * under the policy's `catchUp`). Readiness lists it as a `hold` (stale_ledger → admin,
 * "Fix the ledger sync"); the dispatch re-check keeps fees and communications queued.
 *
 * Pure: the sources and the instant are arguments.
 */
import type { LeaseInput } from './lease-run.js';
import type { Source } from '../portfolio/schema.js';
import { epochToLocal } from '../time.js';

const HOUR_MS = 3_600_000;

/** The instant (epoch ms) the lease's ledger went stale, or null while it is fresh. */
export function staleLedgerSince(
  input: LeaseInput,
  sources: readonly Source[],
  nowMs: number,
): number | null {
  const id = input.lease.sourceId;
  if (id === undefined) return null;
  const last = sources.find((s) => s.id === id)?.lastSyncAt;
  if (last === undefined) return null;
  const since = Date.parse(last) + input.policy.staleLedgerHours * HOUR_MS;
  return since < nowMs ? since : null;
}

/** The input with a lease-scoped `stale_ledger` hold when its source has not synced in time. */
export function withStaleLedgerHold(
  input: LeaseInput,
  sources: readonly Source[],
  nowMs: number,
): LeaseInput {
  const since = staleLedgerSince(input, sources, nowMs);
  if (since === null) return input;
  const date = epochToLocal(since, input.property.timezone).date;
  return {
    ...input,
    events: [
      ...input.events,
      { type: 'hold', hold: 'stale_ledger', scope: 'lease', leaseId: input.lease.id, date },
    ],
  };
}
