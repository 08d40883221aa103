/**
 * Write-back onto a monday.com board (SPEC 11 "work trackers"; reference §12). For each
 * case event:
 *
 *   1. the case item is looked up by the lease-id column (and the case column when one is
 *      configured) — monday has no idempotency key, so an item is never created blindly;
 *   2. found: `change_multiple_column_values` with what the event changed; not found:
 *      `create_item` with every column;
 *   3. storage units: a sent or failed action is a lien step, posted as an update on the
 *      item unless one of its updates already carries the event id.
 *
 * The sink is called one event at a time, which also serialises the board's mutations as
 * monday asks.
 */
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { MondayFailure, type BoardItem, type MondayClient } from './client.js';
import {
  columnValuesOf,
  isLienStep,
  itemNameOf,
  lienUpdateBodyOf,
  markerOf,
  type BoardColumns,
} from './map.js';

export interface MondaySinkOptions {
  columns: BoardColumns;
  groupId?: string;
  log: ConnectorLog;
}

/** With a case column, the item of that case; without, the lease's one item. */
function pick(items: BoardItem[], cols: BoardColumns, episode: number | null): BoardItem | null {
  if (items.length === 0) return null;
  if (cols.case === undefined) return items[0]!;
  const caseOf = (i: BoardItem) => Number(i.columns[cols.case!] ?? NaN);
  if (episode !== null) return items.find((i) => caseOf(i) === episode) ?? null;
  return [...items].sort((a, b) => (caseOf(b) || 0) - (caseOf(a) || 0))[0]!;
}

export function createMondaySink(client: MondayClient, o: MondaySinkOptions): CaseSinkPort {
  const cols = o.columns;

  async function write(e: CaseEvent, leaseId: string, signal?: AbortSignal) {
    const episode = e.event.caseEpisode;
    const match: Record<string, string> = { [cols.lease]: leaseId };
    if (cols.case !== undefined && episode !== null) match[cols.case] = String(episode);
    const item = pick(await client.findItems(match, signal), cols, episode);
    let itemId: string;
    if (item === null)
      itemId = await client.createItem(
        itemNameOf(e),
        columnValuesOf(e, cols, true),
        o.groupId,
        signal,
      );
    else {
      itemId = item.id;
      const values = columnValuesOf(e, cols, false);
      if (Object.keys(values).length > 0) await client.changeValues(itemId, values, signal);
    }
    if (isLienStep(e)) {
      const marker = markerOf(e.event.id);
      if (!item?.updates.some((u) => u.body.includes(marker)))
        await client.createUpdate(itemId, lienUpdateBodyOf(e), signal);
    }
  }

  return {
    async apply(e, signal): Promise<SinkOutcome> {
      const leaseId = e.event.leaseId ?? e.context?.leaseId ?? null;
      if (leaseId === null) return { ok: true }; // nothing on the board is about it
      try {
        await write(e, leaseId, signal);
        return { ok: true };
      } catch (error) {
        const f =
          error instanceof MondayFailure
            ? error
            : new MondayFailure('error', String((error as Error)?.message ?? error), true);
        o.log.warn(
          { connector: 'monday', event: e.event.id, code: f.code, retryable: f.retryable },
          'monday.com write-back failed',
        );
        return {
          ok: false,
          retryable: f.retryable,
          reason: f.message,
          ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
        };
      }
    },
  };
}
