/**
 * Write-back onto a Smartsheet sheet (SPEC 11 "work trackers"; reference §13). For each
 * case event:
 *
 *   1. the case row is found in an index of the sheet (lease and case → row id, lien step
 *      title → child row id), read with `GET /sheets/{id}` on first use and again whenever
 *      a row is not in it — so a row added by an attempt whose answer was lost is found
 *      before anything is added twice;
 *   2. found: update rows with the cells the event changes; not found: add the row at the
 *      bottom with every cell;
 *   3. storage units: a sent or failed action is a lien step, kept as a child row of the
 *      case row (added once, then updated: Done / Failed).
 *
 * Any failure drops the index, so the next attempt starts from what the sheet holds.
 */
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { SmartsheetFailure, type SheetRow, type SmartsheetClient } from './client.js';
import {
  caseCellsOf,
  columnMapOf,
  isLienStep,
  stepCellsOf,
  stepTitleOf,
  type ColumnMap,
} from './map.js';

interface Index {
  columns: ColumnMap;
  primary: number;
  /** lease id → case number ('' without a Case column) → row id. */
  cases: Map<string, Map<string, number>>;
  /** case row id → step title → child row id. */
  steps: Map<number, Map<string, number>>;
}

const text = (v: unknown) =>
  v === undefined || v === null ? '' : typeof v === 'number' ? String(v) : String(v).trim();

export async function readIndex(client: SmartsheetClient, signal?: AbortSignal): Promise<Index> {
  const sheet = await client.sheet({}, signal);
  const map = columnMapOf(sheet.columns);
  if (!map.ok)
    throw new SmartsheetFailure(
      'columns',
      `the sheet has no ${map.missing.join(' or ')} column (columns are found by title)`,
      true,
    );
  const { columns, primary } = map;
  const cellOf = (row: SheetRow, columnId: number | undefined) =>
    columnId === undefined ? '' : text(row.cells.find((c) => c.columnId === columnId)?.value);
  const index: Index = { columns, primary, cases: new Map(), steps: new Map() };
  for (const row of sheet.rows) {
    if (row.parentId !== undefined && row.parentId !== null) {
      const steps = index.steps.get(row.parentId) ?? new Map<string, number>();
      steps.set(cellOf(row, primary), row.id);
      index.steps.set(row.parentId, steps);
      continue;
    }
    const lease = cellOf(row, columns.lease);
    if (lease === '') continue;
    const cases = index.cases.get(lease) ?? new Map<string, number>();
    const episode = columns.case === undefined ? '' : cellOf(row, columns.case);
    if (!cases.has(episode)) cases.set(episode, row.id);
    index.cases.set(lease, cases);
  }
  return index;
}

function caseRowOf(index: Index, leaseId: string, episode: number | null): number | undefined {
  const cases = index.cases.get(leaseId);
  if (!cases) return undefined;
  if (index.columns.case === undefined) return cases.get('');
  if (episode !== null) return cases.get(String(episode));
  // An event without a case number belongs to the lease's latest case.
  const latest = [...cases.keys()].sort((a, b) => Number(b) - Number(a))[0];
  return latest === undefined ? undefined : cases.get(latest);
}

export function createSmartsheetSink(
  client: SmartsheetClient,
  o: { log: ConnectorLog },
): CaseSinkPort {
  let index: Index | undefined;

  async function write(e: CaseEvent, leaseId: string, signal?: AbortSignal) {
    let fresh = index === undefined;
    index ??= await readIndex(client, signal);
    const reread = async () => {
      if (fresh) return index!;
      fresh = true;
      return (index = await readIndex(client, signal));
    };
    const episode = e.event.caseEpisode;
    let rowId = caseRowOf(index, leaseId, episode) ?? caseRowOf(await reread(), leaseId, episode);
    const cols = index.columns;
    if (rowId === undefined) {
      const [added] = await client.addRows(
        [{ toBottom: true, cells: caseCellsOf(e, cols, true) }],
        signal,
      );
      rowId = added!.id;
      const cases = index.cases.get(leaseId) ?? new Map<string, number>();
      cases.set(cols.case === undefined ? '' : String(episode ?? ''), rowId);
      index.cases.set(leaseId, cases);
    } else {
      const cells = caseCellsOf(e, cols, false);
      if (cells.length > 0) await client.updateRows([{ id: rowId, cells }], signal);
    }

    if (!isLienStep(e)) return;
    const title = stepTitleOf(e);
    const stepOf = (i: Index) => i.steps.get(rowId!)?.get(title);
    const stepId = stepOf(index) ?? stepOf(await reread());
    if (stepId !== undefined) {
      await client.updateRows(
        [{ id: stepId, cells: stepCellsOf(e, cols, index.primary, false) }],
        signal,
      );
      return;
    }
    const [step] = await client.addRows(
      [{ parentId: rowId, toBottom: true, cells: stepCellsOf(e, cols, index.primary, true) }],
      signal,
    );
    const steps = index.steps.get(rowId) ?? new Map<string, number>();
    steps.set(title, step!.id);
    index.steps.set(rowId, steps);
  }

  return {
    async apply(e, signal): Promise<SinkOutcome> {
      const leaseId = e.event.leaseId ?? e.context?.leaseId ?? null;
      if (leaseId === null) return { ok: true }; // no case row is about it
      try {
        await write(e, leaseId, signal);
        return { ok: true };
      } catch (error) {
        index = undefined;
        const f =
          error instanceof SmartsheetFailure
            ? error
            : new SmartsheetFailure('error', String((error as Error)?.message ?? error), true);
        o.log.warn(
          { connector: 'smartsheet', event: e.event.id, code: f.code, retryable: f.retryable },
          'Smartsheet write-back failed',
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
