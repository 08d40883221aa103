/**
 * Write-back into the spreadsheet (SPEC 11 "work trackers / sheets"). For each case event:
 *
 *   1. the delinquency list: `values.get` of the list tab, the lease's row found by its id
 *      in column A and rewritten with `values.update`, else added with `values.append`
 *      (an empty tab gets the header row first);
 *   2. the action log: the event appended once — the event ids already in column A are
 *      read once per process and kept in a set, so the replay of an event after a crash is
 *      recognised and skipped.
 *
 * Sheets has no idempotency key, so a lost `append` is never repeated blindly: after any
 * failed append the set of logged ids is read again before the retry, and the list is
 * re-read on every event anyway. One writer per spreadsheet is assumed (write-back runs
 * one pass at a time per organisation).
 */
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { SheetsFailure, type SheetsClient } from './client.js';
import {
  a1,
  LIST_COLUMNS,
  LIST_HEADER,
  listRowOf,
  LOG_COLUMNS,
  LOG_HEADER,
  logRowOf,
  rowOfLease,
  rowsRange,
  type Cell,
} from './map.js';

export interface SheetsSinkOptions {
  listSheet: string;
  logSheet: string;
  log: ConnectorLog;
}

/** Google says a range does not parse when its tab does not exist. */
const missingTab = (e: unknown) =>
  e instanceof SheetsFailure && e.httpStatus === 400 && /unable to parse range/i.test(e.message);

export function createSheetsSink(client: SheetsClient, o: SheetsSinkOptions): CaseSinkPort {
  let logged: Set<string> | undefined;

  /** `values.get`, creating the tab (and so reading nothing) when it is missing. */
  async function read(sheet: string, cells: string, signal?: AbortSignal): Promise<unknown[][]> {
    try {
      return await client.get(a1(sheet, cells), signal);
    } catch (error) {
      if (!missingTab(error)) throw error;
      o.log.info({ connector: 'googlesheets', sheet }, 'tab missing: adding it');
      await client.addSheet(sheet, signal);
      return [];
    }
  }

  async function upsertListRow(e: CaseEvent, leaseId: string, signal?: AbortSignal) {
    const values = await read(o.listSheet, LIST_COLUMNS, signal);
    const width = LIST_HEADER.length;
    if (values.length === 0) {
      const rows: Cell[][] = [[...LIST_HEADER], listRowOf(e, undefined)];
      await client.update(a1(o.listSheet, rowsRange(1, 2, width)), rows, signal);
      return;
    }
    const at = rowOfLease(values, leaseId);
    if (at !== null) {
      const row = listRowOf(e, values[at - 1]);
      await client.update(a1(o.listSheet, rowsRange(at, at, width)), [row], signal);
    } else await client.append(a1(o.listSheet, LIST_COLUMNS), [listRowOf(e, undefined)], signal);
  }

  async function appendLogRow(e: CaseEvent, signal?: AbortSignal) {
    if (logged === undefined) {
      const column = await read(o.logSheet, 'A:A', signal);
      if (column.length === 0) {
        const header = rowsRange(1, 1, LOG_HEADER.length);
        await client.update(a1(o.logSheet, header), [[...LOG_HEADER]], signal);
      }
      logged = new Set(column.slice(1).map((r) => String(r[0] ?? '')));
    }
    if (logged.has(e.event.id)) return;
    try {
      await client.append(a1(o.logSheet, LOG_COLUMNS), [logRowOf(e)], signal);
    } catch (error) {
      // The append may have landed (a lost answer): read the log again before the retry.
      logged = undefined;
      throw error;
    }
    logged.add(e.event.id);
  }

  return {
    async apply(e, signal): Promise<SinkOutcome> {
      try {
        const leaseId = e.event.leaseId ?? e.context?.leaseId ?? null;
        if (leaseId !== null) await upsertListRow(e, leaseId, signal);
        await appendLogRow(e, signal);
        return { ok: true };
      } catch (error) {
        const f =
          error instanceof SheetsFailure
            ? error
            : new SheetsFailure('error', String((error as Error)?.message ?? error), true);
        o.log.warn(
          { connector: 'googlesheets', event: e.event.id, code: f.code, retryable: f.retryable },
          'sheet write-back failed',
        );
        return {
          ok: false,
          retryable: f.retryable,
          reason: f.message.slice(0, 300),
          ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
        };
      }
    },
  };
}
