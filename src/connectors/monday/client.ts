/**
 * The only file calling monday.com: GraphQL over `POST /v2` with `Authorization: <token>`
 * and `API-Version` (reference §12). Application errors come back as HTTP 200 with an
 * `errors` array (older versions: `error_code` / `error_message`); rate limits as 429 with
 * `Retry-After`, or an error whose `extensions.retry_in_seconds` says when to come back.
 *
 * Queries are safe to repeat (5xx retried inside the call); mutations are not: a lost
 * `create_item` is found by the lease-id lookup before the next attempt creates again.
 */
import { createProviderHttp, ProviderHttpError, type ProviderResponse } from '../http.js';
import type { ColumnValues } from './map.js';

export class MondayFailure extends Error {
  constructor(
    /** `extensions.code` (`ComplexityException`, `InvalidColumnIdException` …) or the HTTP status. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'MondayFailure';
  }
}

/** Limits: wait and repeat. */
const RATE_CODES = new Set([
  'ComplexityException',
  'COMPLEXITY_BUDGET_EXHAUSTED',
  'RATE_LIMIT_EXCEEDED',
  'Rate Limit Exceeded',
  'IP_RATE_LIMIT_EXCEEDED',
  'maxConcurrencyExceeded',
  'API_TEMPORARILY_BLOCKED',
  'DAILY_LIMIT_EXCEEDED',
]);
/**
 * The token, its permissions or the board: nothing can be written until the operator fixes
 * them, so the write-back waits rather than skipping every event.
 */
const SETUP_CODES = new Set([
  'UNAUTHENTICATED',
  'Unauthorized',
  'UserUnauthorizedException',
  'InvalidBoardIdException',
  'InvalidVersionException',
]);

interface GraphqlError {
  message: string;
  code: string;
  retryInSeconds?: number;
}

function errorsOf(res: ProviderResponse): GraphqlError[] {
  const body = res.json as
    { errors?: unknown; error_code?: unknown; error_message?: unknown } | undefined;
  if (Array.isArray(body?.errors))
    return body.errors.map((e: unknown) => {
      if (typeof e === 'string') return { message: e, code: String(body.error_code ?? res.status) };
      const x = (e ?? {}) as { message?: unknown; extensions?: Record<string, unknown> };
      const ext = x.extensions ?? {};
      const retry = Number(ext.retry_in_seconds);
      return {
        message: typeof x.message === 'string' ? x.message : 'error',
        code:
          typeof ext.code === 'string'
            ? ext.code
            : typeof body.error_code === 'string'
              ? body.error_code
              : String(res.status),
        ...(Number.isFinite(retry) ? { retryInSeconds: retry } : {}),
      };
    });
  if (typeof body?.error_code === 'string' || typeof body?.error_message === 'string')
    return [
      {
        code: String(body.error_code ?? res.status),
        message: String(body.error_message ?? `HTTP ${res.status}`),
      },
    ];
  return [];
}

/** Milliseconds to the next 00:00 UTC, when monday's daily call counts reset. */
const untilUtcMidnight = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
};

function failureOf(res: ProviderResponse, what: string, now: number): MondayFailure | null {
  const errors = errorsOf(res);
  const ok = res.status >= 200 && res.status < 300;
  if (ok && errors.length === 0) return null;
  const first = errors[0] ?? { code: String(res.status), message: `HTTP ${res.status}` };
  const message = `${what}: ${first.code} ${first.message}`.slice(0, 300);
  const wait =
    first.code === 'DAILY_LIMIT_EXCEEDED'
      ? untilUtcMidnight(now)
      : (res.retryAfterMs ??
        (first.retryInSeconds !== undefined ? first.retryInSeconds * 1000 : undefined));
  if (res.status === 429 || RATE_CODES.has(first.code))
    return new MondayFailure(first.code, message, true, wait);
  if (res.status === 401 || res.status === 403 || SETUP_CODES.has(first.code))
    return new MondayFailure(first.code, message, true);
  if (res.status >= 500) return new MondayFailure(first.code, message, true);
  return new MondayFailure(first.code, message, false);
}

export interface MondayClientOptions {
  baseUrl: string;
  token: string;
  apiVersion: string;
  boardId: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export interface BoardItem {
  id: string;
  name: string;
  /** Column id → its text. */
  columns: Record<string, string>;
  /** The item's updates (comments), newest first as monday lists them. */
  updates: { id: string; body: string }[];
}

const FIND_ITEMS = `query ($board: ID!, $columns: [ItemsPageByColumnValuesQuery!]) {
  items_page_by_column_values(board_id: $board, limit: 50, columns: $columns) {
    cursor
    items { id name column_values { id text } updates(limit: 100) { id body } }
  }
}`;

const CREATE_ITEM = `mutation ($board: ID!, $group: String, $name: String!, $values: JSON) {
  create_item(board_id: $board, group_id: $group, item_name: $name, column_values: $values, create_labels_if_missing: true) { id }
}`;

const CHANGE_VALUES = `mutation ($board: ID!, $item: ID!, $values: JSON!) {
  change_multiple_column_values(board_id: $board, item_id: $item, column_values: $values, create_labels_if_missing: true) { id }
}`;

const CREATE_UPDATE = `mutation ($item: ID!, $body: String!) {
  create_update(item_id: $item, body: $body) { id }
}`;

const ITEM_COLUMNS = `query ($ids: [ID!], $columns: [String!]) {
  items(ids: $ids) { id column_values(ids: $columns) { id text } }
}`;

const BOARD = `query ($ids: [ID!]) {
  boards(ids: $ids) { id name columns { id title type } }
}`;

function itemOf(raw: unknown): BoardItem | null {
  const x = (raw ?? {}) as {
    id?: unknown;
    name?: unknown;
    column_values?: unknown;
    updates?: unknown;
  };
  if (typeof x.id !== 'string' && typeof x.id !== 'number') return null;
  const columns: Record<string, string> = {};
  for (const c of Array.isArray(x.column_values) ? x.column_values : []) {
    const cv = c as { id?: unknown; text?: unknown };
    if (typeof cv.id === 'string') columns[cv.id] = typeof cv.text === 'string' ? cv.text : '';
  }
  const updates = (Array.isArray(x.updates) ? x.updates : []).flatMap((u: unknown) => {
    const up = u as { id?: unknown; body?: unknown };
    return up && up.id !== undefined
      ? [{ id: String(up.id), body: typeof up.body === 'string' ? up.body : '' }]
      : [];
  });
  return { id: String(x.id), name: typeof x.name === 'string' ? x.name : '', columns, updates };
}

export function createMondayClient(o: MondayClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-monday/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    auth: () => ({ authorization: o.token, 'api-version': o.apiVersion }),
  });

  async function graphql(
    what: string,
    query: string,
    variables: Record<string, unknown>,
    mutation: boolean,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    let res: ProviderResponse;
    try {
      res = await http.request({
        method: 'POST',
        path: '/v2',
        json: { query, variables },
        idempotent: !mutation,
        signal,
      });
    } catch (error) {
      const why = error instanceof ProviderHttpError ? error.message : String(error);
      throw new MondayFailure('network', `${what}: ${why}`, true);
    }
    const failure = failureOf(res, what, o.now());
    if (failure) throw failure;
    const data = (res.json as { data?: unknown } | undefined)?.data;
    if (data === null || typeof data !== 'object')
      throw new MondayFailure(String(res.status), `${what}: no data in the answer`, true);
    return data as Record<string, unknown>;
  }

  const idOf = (data: Record<string, unknown>, field: string, what: string): string => {
    const id = (data[field] as { id?: unknown } | null | undefined)?.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new MondayFailure('no_id', `${what}: the answer has no id`, true);
    return String(id);
  };

  return {
    /** Items whose columns hold exactly these texts (`items_page_by_column_values`). */
    async findItems(match: Record<string, string>, signal?: AbortSignal): Promise<BoardItem[]> {
      const columns = Object.entries(match).map(([column_id, value]) => ({
        column_id,
        column_values: [value],
      }));
      const data = await graphql(
        'items_page_by_column_values',
        FIND_ITEMS,
        { board: o.boardId, columns },
        false,
        signal,
      );
      const page = data.items_page_by_column_values as { items?: unknown } | undefined;
      return (Array.isArray(page?.items) ? page.items : []).flatMap((i: unknown) => {
        const item = itemOf(i);
        return item ? [item] : [];
      });
    },

    async createItem(
      name: string,
      values: ColumnValues,
      group: string | undefined,
      signal?: AbortSignal,
    ): Promise<string> {
      const data = await graphql(
        'create_item',
        CREATE_ITEM,
        {
          board: o.boardId,
          ...(group ? { group } : {}),
          name,
          values: JSON.stringify(values),
        },
        true,
        signal,
      );
      return idOf(data, 'create_item', 'create_item');
    },

    async changeValues(itemId: string, values: ColumnValues, signal?: AbortSignal) {
      const data = await graphql(
        'change_multiple_column_values',
        CHANGE_VALUES,
        { board: o.boardId, item: itemId, values: JSON.stringify(values) },
        true,
        signal,
      );
      return idOf(data, 'change_multiple_column_values', 'change_multiple_column_values');
    },

    async createUpdate(itemId: string, body: string, signal?: AbortSignal) {
      const data = await graphql(
        'create_update',
        CREATE_UPDATE,
        { item: itemId, body },
        true,
        signal,
      );
      return idOf(data, 'create_update', 'create_update');
    },

    /** The texts of `columns` on one item (webhooks name the item, not the lease). */
    async itemColumns(
      itemId: string,
      columns: string[],
      signal?: AbortSignal,
    ): Promise<Record<string, string> | null> {
      const data = await graphql('items', ITEM_COLUMNS, { ids: [itemId], columns }, false, signal);
      const items = Array.isArray(data.items) ? (data.items as unknown[]) : [];
      return itemOf(items[0])?.columns ?? null;
    },

    async board(signal?: AbortSignal) {
      const data = await graphql('boards', BOARD, { ids: [o.boardId] }, false, signal);
      const boards = Array.isArray(data.boards) ? (data.boards as unknown[]) : [];
      const b = boards[0] as { id?: unknown; name?: unknown; columns?: unknown } | undefined;
      if (!b) return null;
      const columns = (Array.isArray(b.columns) ? b.columns : []).map((c: unknown) => {
        const col = c as { id?: unknown; title?: unknown; type?: unknown };
        return { id: String(col.id), title: String(col.title ?? ''), type: String(col.type ?? '') };
      });
      return { id: String(b.id), name: String(b.name ?? ''), columns };
    },
  };
}

export type MondayClient = ReturnType<typeof createMondayClient>;
