/**
 * A local Smartsheet (reference §13, §20) for tests and the demo: one sheet in memory and
 * the sheet's webhooks.
 *
 *   GET  /sheets/{id}[?rowIds=…&pageSize=…]   {id, name, totalRowCount, columns, rows}
 *   POST /sheets/{id}/rows                    add rows (object or array; toTop / toBottom /
 *                                             parentId) → {message, resultCode, version, result}
 *   PUT  /sheets/{id}/rows                    update rows [{id, cells}]
 *   GET  /webhooks · POST /webhooks · PUT /webhooks/{id}   (enabling posts the verification
 *                                             challenge to the callback URL and reads the echo)
 *
 * Errors in Smartsheet's shape `{errorCode, message, refId}`: 401 1001 / 1002 for a missing
 * or wrong token, 404 1006, 400 1012 for a missing required attribute (`row.id`,
 * `cell.columnId` …), 400 1031 for a column id the sheet lacks; `rateLimited()` answers 429
 * errorCode 4003, `serverError()` 500 errorCode 4000.
 *
 * Callbacks are signed `Smartsheet-Hmac-SHA256: hex(HMAC-SHA256(sharedSecret, body))`.
 * Deviation for tests: callback URLs may be plain http on 127.0.0.1 (Smartsheet wants https).
 */
import { randomBytes } from 'node:crypto';
import { startFake, type FakeReply, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { CHALLENGE_HEADER, HMAC_HEADER, signSmartsheet } from './webhooks.js';

export interface FakeColumn {
  id: number;
  index: number;
  title: string;
  type: string;
  primary?: boolean;
}

export interface FakeRow {
  id: number;
  rowNumber: number;
  parentId?: number;
  cells: { columnId: number; value?: unknown; displayValue?: string }[];
}

export interface FakeWebhook {
  id: number;
  name: string;
  callbackUrl: string;
  scope: string;
  scopeObjectId: number;
  events: string[];
  version: number;
  enabled: boolean;
  status: string;
  sharedSecret: string;
}

export interface SmartsheetFakeOptions {
  token?: string;
  sheetId?: number;
  sheetName?: string;
  /** Column titles (the first is primary); default: the case columns Arrears uses. */
  titles?: string[];
  /** Sign the verification challenge with the webhook's shared secret (default true). */
  signChallenges?: boolean;
}

export const DEFAULT_TITLES = [
  'Lease',
  'Case',
  'Tenant',
  'Property',
  'Unit',
  'Balance',
  'Stage',
  'Status',
  'Last action',
  'Updated',
];

export interface SignedCallback {
  body: string;
  headers: Record<string, string>;
}

export interface SmartsheetFake extends FakeServer {
  token: string;
  sheetId: number;
  columns: FakeColumn[];
  /** Rows in sheet order. */
  rows: FakeRow[];
  webhooks: Map<number, FakeWebhook>;
  columnId(title: string): number;
  /** A cell's value by column title. */
  cell(row: FakeRow, title: string): unknown;
  /** Top-level rows whose Lease cell is `leaseId`. */
  caseRows(leaseId: string): FakeRow[];
  /** Child rows of `rowId`. */
  children(rowId: number): FakeRow[];
  /** Staff edit a cell in the UI: the skinny event a callback would carry. */
  editCell(rowId: number, title: string, value: string): Record<string, unknown>;
  /** An event callback of `webhookId` (signed with its shared secret unless `secret` given). */
  callback(webhookId: number, events: Record<string, unknown>[], secret?: string): SignedCallback;
  /** The verification request of `webhookId`. */
  challenge(webhookId: number, value?: string, signed?: boolean): SignedCallback;
  /** Registers a webhook directly (as if created earlier); returns it. */
  addWebhook(callbackUrl: string, sharedSecret?: string): FakeWebhook;
  rateLimited(times: number, retryAfterSeconds?: number): void;
  serverError(times: number): void;
}

const failure = (errorCode: number, message: string) => ({
  errorCode,
  message,
  refId: randomBytes(6).toString('hex'),
});

export async function startSmartsheetFake(
  options: SmartsheetFakeOptions = {},
): Promise<SmartsheetFake> {
  const token = options.token ?? 'smartsheet-test-token';
  const sheetId = options.sheetId ?? 4583173393803140;
  const sheetName = options.sheetName ?? 'Delinquency cases';
  const titles = options.titles ?? DEFAULT_TITLES;
  const signChallenges = options.signChallenges ?? true;
  let nextId = 1_000_000_000_000_000;
  const newId = () => (nextId += 4_097);
  const columns: FakeColumn[] = titles.map((title, index) => ({
    id: 7_960_873_114_331_012 + index * 4_503_599_627_370,
    index,
    title,
    type: 'TEXT_NUMBER',
    ...(index === 0 ? { primary: true } : {}),
  }));
  const rows: FakeRow[] = [];
  const webhooks = new Map<number, FakeWebhook>();
  let version = 1;

  const renumber = () => rows.forEach((r, i) => (r.rowNumber = i + 1));
  const rowJson = (r: FakeRow, only?: Set<number>) => ({
    id: r.id,
    rowNumber: r.rowNumber,
    ...(r.parentId !== undefined ? { parentId: r.parentId } : {}),
    cells: columns
      .filter((c) => !only || only.has(c.id))
      .map((c) => {
        const cell = r.cells.find((x) => x.columnId === c.id);
        return cell?.value === undefined
          ? { columnId: c.id }
          : { columnId: c.id, value: cell.value, displayValue: String(cell.value) };
      }),
  });

  /** Validated cells, or the error to answer. */
  function cellsOf(
    raw: unknown,
    where: string,
  ): FakeRow['cells'] | { status: number; body: unknown } {
    if (!Array.isArray(raw))
      return {
        status: 400,
        body: failure(
          1012,
          `A required object attribute is missing from your request: ${where}.cells.`,
        ),
      };
    const out: FakeRow['cells'] = [];
    for (const c of raw as { columnId?: unknown; value?: unknown }[]) {
      if (c?.columnId === undefined)
        return {
          status: 400,
          body: failure(
            1012,
            'A required object attribute is missing from your request: cell.columnId.',
          ),
        };
      if (!columns.some((col) => col.id === c.columnId))
        return {
          status: 400,
          body: failure(
            1031,
            `The value ${String(c.columnId)} was not valid for the attribute cell.columnId.`,
          ),
        };
      if (c.value === undefined)
        return {
          status: 400,
          body: failure(
            1012,
            'A required object attribute is missing from your request: cell.value.',
          ),
        };
      out.push({ columnId: c.columnId as number, value: c.value, displayValue: String(c.value) });
    }
    return out;
  }

  function addRows(req: FakeRequest, reply: FakeReply) {
    const single = !Array.isArray(req.json);
    const input = (single ? [req.json] : req.json) as Record<string, unknown>[];
    if (input.length === 0 || input.some((r) => r === null || typeof r !== 'object'))
      return reply.json(
        400,
        failure(1008, 'Unable to parse request. The following error occurred: rows expected.'),
      );
    const made: FakeRow[] = [];
    for (const r of input) {
      const cells = cellsOf(r.cells, 'row');
      if (!Array.isArray(cells)) return reply.json(cells.status, cells.body);
      const row: FakeRow = { id: newId(), rowNumber: 0, cells };
      if (r.parentId !== undefined) {
        const parentAt = rows.findIndex((x) => x.id === r.parentId);
        if (parentAt < 0) return reply.json(404, failure(1006, 'Not Found'));
        row.parentId = r.parentId as number;
        let at = parentAt + 1;
        const descends = (x: FakeRow | undefined): boolean =>
          x?.parentId !== undefined &&
          (x.parentId === row.parentId || descends(rows.find((p) => p.id === x.parentId)));
        if (r.toTop !== true) while (at < rows.length && descends(rows[at])) at++;
        rows.splice(at, 0, row);
      } else if (r.toTop === true) rows.unshift(row);
      else rows.push(row);
      made.push(row);
    }
    renumber();
    version++;
    const result = made.map((m) => rowJson(m));
    reply.json(200, {
      message: 'SUCCESS',
      resultCode: 0,
      version,
      result: single ? result[0] : result,
    });
  }

  function updateRows(req: FakeRequest, reply: FakeReply) {
    const input = (Array.isArray(req.json) ? req.json : [req.json]) as Record<string, unknown>[];
    const updated: FakeRow[] = [];
    for (const r of input) {
      if (r?.id === undefined)
        return reply.json(
          400,
          failure(1012, 'A required object attribute is missing from your request: row.id.'),
        );
      const row = rows.find((x) => x.id === r.id);
      if (!row) return reply.json(404, failure(1006, 'Not Found'));
      const cells = cellsOf(r.cells, 'row');
      if (!Array.isArray(cells)) return reply.json(cells.status, cells.body);
      for (const c of cells) {
        const at = row.cells.findIndex((x) => x.columnId === c.columnId);
        if (at >= 0) row.cells[at] = c;
        else row.cells.push(c);
      }
      updated.push(row);
    }
    version++;
    reply.json(200, {
      message: 'SUCCESS',
      resultCode: 0,
      version,
      result: updated.map((u) => rowJson(u)),
    });
  }

  function getSheet(req: FakeRequest, reply: FakeReply) {
    const rowIds = req.query.get('rowIds')?.split(',').map(Number);
    const columnIds = req.query.get('columnIds')?.split(',').map(Number);
    let picked = rowIds ? rows.filter((r) => rowIds.includes(r.id)) : rows;
    const pageSize = Number(req.query.get('pageSize') ?? 0);
    const page = Number(req.query.get('page') ?? 1);
    if (pageSize > 0) picked = picked.slice((page - 1) * pageSize, page * pageSize);
    const only = columnIds ? new Set(columnIds) : undefined;
    reply.json(200, {
      id: sheetId,
      name: sheetName,
      version,
      totalRowCount: rows.length,
      columns: columns.filter((c) => !only || only.has(c.id)),
      rows: picked.map((r) => rowJson(r, only)),
    });
  }

  const hookJson = (h: FakeWebhook) => ({ ...h });

  async function enable(hook: FakeWebhook): Promise<void> {
    const value = randomBytes(16).toString('hex');
    const cb = challengeOf(hook, value, signChallenges);
    try {
      const res = await fetch(hook.callbackUrl, {
        method: 'POST',
        body: cb.body,
        headers: cb.headers,
      });
      const echoed = res.headers.get('smartsheet-hook-response');
      let json: { smartsheetHookResponse?: unknown } = {};
      try {
        json = (await res.json()) as typeof json;
      } catch {
        json = {};
      }
      const ok = res.status === 200 && (echoed === value || json.smartsheetHookResponse === value);
      hook.enabled = ok;
      hook.status = ok ? 'ENABLED' : 'DISABLED_VERIFICATION_FAILED';
    } catch {
      hook.enabled = false;
      hook.status = 'DISABLED_VERIFICATION_FAILED';
    }
  }

  function challengeOf(hook: FakeWebhook, value: string, signed: boolean): SignedCallback {
    const body = JSON.stringify({ challenge: value, webhookId: hook.id });
    return {
      body,
      headers: {
        'content-type': 'application/json',
        [CHALLENGE_HEADER]: value,
        ...(signed ? { [HMAC_HEADER]: signSmartsheet(hook.sharedSecret, body) } : {}),
      },
    };
  }

  function newHook(
    callbackUrl: string,
    sharedSecret?: string,
    body: Record<string, unknown> = {},
  ): FakeWebhook {
    const hook: FakeWebhook = {
      id: newId(),
      name: String(body.name ?? 'hook'),
      callbackUrl,
      scope: String(body.scope ?? 'sheet'),
      scopeObjectId: Number(body.scopeObjectId ?? sheetId),
      events: (body.events as string[]) ?? ['*.*'],
      version: Number(body.version ?? 1),
      enabled: false,
      status: 'NEW_NOT_VERIFIED',
      sharedSecret: sharedSecret ?? randomBytes(16).toString('hex'),
    };
    webhooks.set(hook.id, hook);
    return hook;
  }

  async function webhookRoutes(req: FakeRequest, reply: FakeReply) {
    if (req.path === '/webhooks' && req.method === 'GET') {
      const data = [...webhooks.values()].map(hookJson);
      return reply.json(200, {
        pageNumber: 1,
        pageSize: 100,
        totalPages: 1,
        totalCount: data.length,
        data,
      });
    }
    if (req.path === '/webhooks' && req.method === 'POST') {
      const b = (req.json ?? {}) as Record<string, unknown>;
      for (const attr of ['name', 'callbackUrl', 'scope', 'scopeObjectId', 'events', 'version'])
        if (b[attr] === undefined)
          return reply.json(
            400,
            failure(
              1012,
              `A required object attribute is missing from your request: webhook.${attr}.`,
            ),
          );
      const url = String(b.callbackUrl);
      if (!url.startsWith('https://') && !url.startsWith('http://127.0.0.1'))
        return reply.json(
          400,
          failure(
            1152,
            "Only URLs with a protocol of 'https' are supported for attribute 'callbackUrl'.",
          ),
        );
      if (Number(b.scopeObjectId) !== sheetId)
        return reply.json(
          400,
          failure(
            1151,
            `Scope '${String(b.scope)}', object id ${String(b.scopeObjectId)} was not found.`,
          ),
        );
      return reply.json(200, {
        message: 'SUCCESS',
        resultCode: 0,
        result: hookJson(newHook(url, undefined, b)),
      });
    }
    const m = /^\/webhooks\/(\d+)$/.exec(req.path);
    const hook = m ? webhooks.get(Number(m[1])) : undefined;
    if (!hook) return reply.json(404, failure(1006, 'Not Found'));
    if (req.method === 'GET') return reply.json(200, hookJson(hook));
    if (req.method === 'PUT') {
      const b = (req.json ?? {}) as { enabled?: unknown; callbackUrl?: unknown };
      if (typeof b.callbackUrl === 'string') hook.callbackUrl = b.callbackUrl;
      if (b.enabled === true) await enable(hook);
      if (b.enabled === false) {
        hook.enabled = false;
        hook.status = 'DISABLED_BY_OWNER';
      }
      return reply.json(200, { message: 'SUCCESS', resultCode: 0, result: hookJson(hook) });
    }
    reply.json(405, failure(1010, 'HTTP Method not supported.'));
  }

  const server = await startFake(async (req, reply) => {
    const auth = req.headers.authorization;
    if (!auth) return reply.json(401, failure(1001, 'An Access Token is required.'));
    if (auth !== `Bearer ${token}`)
      return reply.json(401, failure(1002, 'Your Access Token is invalid.'));
    if (req.path.startsWith('/webhooks')) return webhookRoutes(req, reply);
    const m = /^\/sheets\/(\d+)(\/rows)?$/.exec(req.path);
    if (!m || Number(m[1]) !== sheetId) return reply.json(404, failure(1006, 'Not Found'));
    if (!m[2] && req.method === 'GET') return getSheet(req, reply);
    if (m[2] && req.method === 'POST') return addRows(req, reply);
    if (m[2] && req.method === 'PUT') return updateRows(req, reply);
    reply.json(405, failure(1010, 'HTTP Method not supported.'));
  });

  const columnId = (title: string) => {
    const c = columns.find((x) => x.title === title);
    if (!c) throw new Error(`no column ${title}`);
    return c.id;
  };
  const cell = (row: FakeRow, title: string) =>
    row.cells.find((c) => c.columnId === columnId(title))?.value;

  return Object.assign(server, {
    token,
    sheetId,
    columns,
    rows,
    webhooks,
    columnId,
    cell,
    caseRows: (leaseId: string) =>
      rows.filter((r) => r.parentId === undefined && cell(r, 'Lease') === leaseId),
    children: (rowId: number) => rows.filter((r) => r.parentId === rowId),
    editCell: (rowId: number, title: string, value: string) => {
      const row = rows.find((r) => r.id === rowId);
      if (!row) throw new Error(`no row ${rowId}`);
      const id = columnId(title);
      row.cells = [
        ...row.cells.filter((c) => c.columnId !== id),
        { columnId: id, value, displayValue: value },
      ];
      return {
        objectType: 'cell',
        eventType: 'updated',
        rowId,
        columnId: id,
        userId: 2_417_000_120_000,
        timestamp: new Date().toISOString(),
      };
    },
    callback: (webhookId: number, events: Record<string, unknown>[], secret?: string) => {
      const hook = webhooks.get(webhookId);
      const body = JSON.stringify({
        nonce: randomBytes(16).toString('hex'),
        timestamp: new Date().toISOString(),
        webhookId,
        scope: 'sheet',
        scopeObjectId: sheetId,
        events,
      });
      return {
        body,
        headers: {
          'content-type': 'application/json',
          [HMAC_HEADER]: signSmartsheet(secret ?? hook?.sharedSecret ?? '', body),
        },
      };
    },
    challenge: (
      webhookId: number,
      value = randomBytes(16).toString('hex'),
      signed = signChallenges,
    ) => {
      const hook = webhooks.get(webhookId);
      if (!hook) throw new Error(`no webhook ${webhookId}`);
      return challengeOf(hook, value, signed);
    },
    addWebhook: (callbackUrl: string, sharedSecret?: string) => newHook(callbackUrl, sharedSecret),
    rateLimited: (times: number, retryAfterSeconds?: number) =>
      server.fault(times, {
        status: 429,
        headers:
          retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {},
        body: failure(4003, 'Rate limit exceeded.'),
      }),
    serverError: (times: number) =>
      server.fault(times, {
        status: 500,
        body: failure(
          4000,
          'An unexpected error has occurred. Please contact the Support team at https://help.smartsheet.com/contact for assistance.',
        ),
      }),
  });
}
