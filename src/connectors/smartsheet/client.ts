/**
 * The only file calling Smartsheet (reference §13): `GET /sheets/{id}`, add rows
 * (`POST /sheets/{id}/rows`), update rows (`PUT /sheets/{id}/rows`) and the webhooks of
 * the sheet (`GET|POST /webhooks`, `PUT /webhooks/{id}`), with `Authorization: Bearer`.
 *
 * Errors are `{errorCode, message, refId}`; 429 carries errorCode 4003. Reads and updates
 * (which set the same cells again) are safe to repeat; adding rows is not: a lost add is
 * found by the case lookup before the next attempt adds again.
 */
import { createProviderHttp, ProviderHttpError, type ProviderResponse } from '../http.js';
import type { Cell, SheetColumn } from './map.js';

export class SmartsheetFailure extends Error {
  constructor(
    /** Smartsheet's errorCode (`4003`), or the HTTP status. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'SmartsheetFailure';
  }
}

export interface SheetRow {
  id: number;
  rowNumber?: number;
  parentId?: number;
  cells: { columnId: number; value?: unknown; displayValue?: string }[];
}

export interface Sheet {
  id: number;
  name: string;
  columns: SheetColumn[];
  rows: SheetRow[];
}

export interface Webhook {
  id: number;
  name?: string;
  callbackUrl?: string;
  scope?: string;
  scopeObjectId?: number;
  enabled?: boolean;
  status?: string;
  sharedSecret?: string;
}

function errorOf(res: ProviderResponse): { code: string; message: string } {
  const body = res.json as { errorCode?: unknown; message?: unknown } | undefined;
  return {
    code: body?.errorCode !== undefined ? String(body.errorCode) : String(res.status),
    message: typeof body?.message === 'string' ? body.message.slice(0, 300) : `HTTP ${res.status}`,
  };
}

function failureOf(res: ProviderResponse, what: string): SmartsheetFailure {
  const e = errorOf(res);
  const message = `${what}: ${e.code} ${e.message}`;
  const retryAfter = res.retryAfterMs ?? undefined;
  if (res.status === 429 || e.code === '4003' || res.status >= 500)
    return new SmartsheetFailure(e.code, message, true, retryAfter, res.status);
  // The token, its access or the sheet id: nothing can be written until the operator fixes
  // them, so the write-back waits rather than skipping every event. (A row deleted by staff
  // is also a 404; the sink looks the case up again before it gets here.)
  if (res.status === 401 || res.status === 403 || res.status === 404)
    return new SmartsheetFailure(e.code, message, true, undefined, res.status);
  return new SmartsheetFailure(e.code, message, false, undefined, res.status);
}

export interface SmartsheetClientOptions {
  baseUrl: string;
  token: string;
  sheetId: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export function createSmartsheetClient(o: SmartsheetClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-smartsheet/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    auth: () => ({ authorization: `Bearer ${o.token}` }),
  });
  const sheetPath = `/sheets/${encodeURIComponent(o.sheetId)}`;

  async function call(what: string, req: Parameters<typeof http.request>[0]): Promise<unknown> {
    let res: ProviderResponse;
    try {
      res = await http.request(req);
    } catch (error) {
      const why = error instanceof ProviderHttpError ? error.message : String(error);
      throw new SmartsheetFailure('network', `${what}: ${why}`, true);
    }
    if (res.status < 200 || res.status >= 300) throw failureOf(res, what);
    return res.json;
  }

  const resultRows = (body: unknown, what: string): SheetRow[] => {
    const result = (body as { result?: unknown } | undefined)?.result;
    const rows = Array.isArray(result) ? result : result ? [result] : [];
    if (rows.length === 0)
      throw new SmartsheetFailure('no_result', `${what}: no rows in the answer`, true);
    return rows as SheetRow[];
  };

  return {
    /** The sheet with its columns and rows (`rowIds` to read only some). */
    async sheet(
      query: { rowIds?: string[]; pageSize?: number } = {},
      signal?: AbortSignal,
    ): Promise<Sheet> {
      const body = (await call('GET sheet', {
        method: 'GET',
        path: sheetPath,
        query: {
          rowIds: query.rowIds?.join(','),
          pageSize: query.pageSize,
        },
        idempotent: true,
        signal,
      })) as Partial<Sheet> | undefined;
      return {
        id: Number(body?.id),
        name: String(body?.name ?? ''),
        columns: Array.isArray(body?.columns) ? body.columns : [],
        rows: Array.isArray(body?.rows) ? body.rows : [],
      };
    },

    /** Adds rows (not idempotent); the created rows with their ids. */
    async addRows(
      rows: { cells: Cell[]; toBottom?: boolean; parentId?: number }[],
      signal?: AbortSignal,
    ): Promise<SheetRow[]> {
      const body = await call('add rows', {
        method: 'POST',
        path: `${sheetPath}/rows`,
        json: rows,
        signal,
      });
      return resultRows(body, 'add rows');
    },

    /** Sets cells of existing rows; repeating it sets the same values. */
    async updateRows(rows: { id: number; cells: Cell[] }[], signal?: AbortSignal): Promise<void> {
      await call('update rows', {
        method: 'PUT',
        path: `${sheetPath}/rows`,
        json: rows.map((r) => ({ id: r.id, cells: r.cells.map((c) => ({ ...c, strict: false })) })),
        idempotent: true,
        signal,
      });
    },

    async webhooks(signal?: AbortSignal): Promise<Webhook[]> {
      const body = (await call('list webhooks', {
        method: 'GET',
        path: '/webhooks',
        query: { includeAll: true },
        idempotent: true,
        signal,
      })) as { data?: unknown } | undefined;
      return Array.isArray(body?.data) ? (body.data as Webhook[]) : [];
    },

    async createWebhook(callbackUrl: string, signal?: AbortSignal): Promise<Webhook> {
      const body = (await call('create webhook', {
        method: 'POST',
        path: '/webhooks',
        json: {
          name: 'Arrears case sheet',
          callbackUrl,
          scope: 'sheet',
          scopeObjectId: Number(o.sheetId),
          events: ['*.*'],
          version: 1,
        },
        signal,
      })) as { result?: Webhook } | undefined;
      if (!body?.result)
        throw new SmartsheetFailure('no_result', 'create webhook: no result', true);
      return body.result;
    },

    /** Enabling makes Smartsheet send the verification challenge to the callback URL. */
    async enableWebhook(id: number, signal?: AbortSignal): Promise<Webhook> {
      const body = (await call('enable webhook', {
        method: 'PUT',
        path: `/webhooks/${id}`,
        json: { enabled: true },
        idempotent: true,
        timeoutMs: 30_000,
        signal,
      })) as { result?: Webhook } | undefined;
      if (!body?.result)
        throw new SmartsheetFailure('no_result', 'enable webhook: no result', true);
      return body.result;
    },
  };
}

export type SmartsheetClient = ReturnType<typeof createSmartsheetClient>;
