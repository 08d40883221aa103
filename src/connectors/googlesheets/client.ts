/**
 * The only file calling Google: the token endpoint (service-account JWT → access token)
 * and the `spreadsheets.values` methods of reference §11 — `values.get`, `values.update`
 * (PUT, `valueInputOption=RAW`), `values.append` (`insertDataOption=INSERT_ROWS`) — plus
 * `spreadsheets.batchUpdate` to add a missing tab.
 *
 * Every write is RAW: nothing we write is parsed as a formula, a date or a number typed in
 * the UI would be (map.ts adds the apostrophe for readers of exported CSV).
 *
 * The access token is shared by concurrent calls, renewed a minute before `expires_in`,
 * and dropped when the API answers 401 (revoked, key rotated): that call is repeated once
 * with a new token.
 */
import { createProviderHttp, ProviderHttpError, type ProviderResponse } from '../http.js';
import type { Cell } from './map.js';
import { JWT_BEARER_GRANT, signAssertion, type Credentials } from './service-account.js';

/** A Google answer that is not a success, classified for the write-back cursor. */
export class SheetsFailure extends Error {
  constructor(
    /** Google's `status` (`RESOURCE_EXHAUSTED`), the OAuth `error`, or the HTTP status. */
    readonly code: string,
    message: string,
    /** Worth repeating later (quota, outage, credentials or sharing to fix). */
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'SheetsFailure';
  }
}

export interface SheetsClientOptions {
  baseUrl: string;
  spreadsheetId: string;
  tokenUrl: string;
  credentials: Credentials;
  subject?: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

interface GoogleError {
  code: string;
  message: string;
}

/** `{"error":{"code","message","status"}}` (API) or `{"error","error_description"}` (OAuth). */
export function googleErrorOf(res: ProviderResponse): GoogleError {
  const body = res.json as { error?: unknown; error_description?: unknown } | undefined;
  const err = body?.error;
  if (err !== null && typeof err === 'object') {
    const e = err as { status?: unknown; message?: unknown };
    return {
      code: typeof e.status === 'string' ? e.status : String(res.status),
      message: typeof e.message === 'string' ? e.message.slice(0, 300) : `HTTP ${res.status}`,
    };
  }
  if (typeof err === 'string')
    return {
      code: err,
      message:
        typeof body?.error_description === 'string' ? body.error_description.slice(0, 300) : err,
    };
  return { code: String(res.status), message: `HTTP ${res.status}` };
}

/** Which answers hold the cursor (retryable) and which skip the event. */
function failureOf(res: ProviderResponse, what: string): SheetsFailure {
  const e = googleErrorOf(res);
  const message = `${what}: ${e.code} ${e.message}`;
  if (res.status === 429 || res.status >= 500)
    return new SheetsFailure(e.code, message, true, res.retryAfterMs ?? undefined, res.status);
  // Credentials, sharing and a wrong spreadsheet id are the operator's to fix: every event
  // would fail the same way, so none is skipped meanwhile.
  if (res.status === 401 || res.status === 403 || res.status === 404)
    return new SheetsFailure(e.code, message, true, undefined, res.status);
  return new SheetsFailure(e.code, message, false, undefined, res.status);
}

function thrownFailure(error: unknown, what: string): SheetsFailure {
  if (error instanceof SheetsFailure) return error;
  const why = error instanceof ProviderHttpError ? error.message : String(error);
  return new SheetsFailure('network', `${what}: ${why}`, true);
}

export function createSheetsClient(o: SheetsClientOptions) {
  let held: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-googlesheets/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
  });

  async function fetchToken(): Promise<string> {
    if (!o.credentials.ok) throw new SheetsFailure('credentials', o.credentials.problem, true);
    const assertion = signAssertion(o.credentials.account, {
      nowMs: o.now(),
      audience: o.tokenUrl,
      ...(o.subject ? { subject: o.subject } : {}),
    });
    const res = await http.request({
      method: 'POST',
      path: o.tokenUrl,
      form: { grant_type: JWT_BEARER_GRANT, assertion },
      idempotent: true,
    });
    const body = res.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (res.status !== 200 || typeof body?.access_token !== 'string') {
      const e = googleErrorOf(res);
      // invalid_grant / invalid_client: the key, e-mail or clock is wrong; the cursor waits.
      throw new SheetsFailure(
        e.code,
        `token request refused: ${e.code} ${e.message}`,
        true,
        res.retryAfterMs ?? undefined,
        res.status,
      );
    }
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    held = {
      token: body.access_token,
      renewAt: o.now() + seconds * 1000 - Math.min(60_000, (seconds * 1000) / 2),
    };
    return body.access_token;
  }

  function accessToken(): Promise<string> {
    if (held && held.renewAt > o.now()) return Promise.resolve(held.token);
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  const sheetPath = (suffix: string) =>
    `/v4/spreadsheets/${encodeURIComponent(o.spreadsheetId)}${suffix}`;
  const valuesPath = (range: string, suffix = '') =>
    sheetPath(`/values/${encodeURIComponent(range)}${suffix}`);

  async function call(
    what: string,
    req: Parameters<typeof http.request>[0],
  ): Promise<ProviderResponse> {
    try {
      for (let attempt = 1; ; attempt++) {
        const token = await accessToken();
        const res = await http.request({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${token}` },
        });
        if (res.status === 401 && attempt === 1) {
          if (held?.token === token) held = undefined;
          continue;
        }
        if (res.status >= 200 && res.status < 300) return res;
        throw failureOf(res, what);
      }
    } catch (error) {
      throw thrownFailure(error, what);
    }
  }

  return {
    /** `values.get`: the rows of `range` (trailing empty cells and rows left out). */
    async get(range: string, signal?: AbortSignal): Promise<unknown[][]> {
      const res = await call(`values.get ${range}`, {
        method: 'GET',
        path: valuesPath(range),
        query: { majorDimension: 'ROWS', valueRenderOption: 'UNFORMATTED_VALUE' },
        idempotent: true,
        signal,
      });
      const values = (res.json as { values?: unknown } | undefined)?.values;
      return Array.isArray(values) ? (values as unknown[][]) : [];
    },

    /** `values.update` of exactly `range`; repeating it writes the same cells. */
    async update(range: string, values: Cell[][], signal?: AbortSignal): Promise<void> {
      await call(`values.update ${range}`, {
        method: 'PUT',
        path: valuesPath(range),
        query: { valueInputOption: 'RAW', includeValuesInResponse: false },
        json: { range, majorDimension: 'ROWS', values },
        idempotent: true,
        signal,
      });
    },

    /** `values.append` after the table of `range`: NOT idempotent, never repeated blindly. */
    async append(range: string, values: Cell[][], signal?: AbortSignal): Promise<string | null> {
      const res = await call(`values.append ${range}`, {
        method: 'POST',
        path: valuesPath(range, ':append'),
        query: { valueInputOption: 'RAW', insertDataOption: 'INSERT_ROWS' },
        json: { range, majorDimension: 'ROWS', values },
        signal,
      });
      const updated = (res.json as { updates?: { updatedRange?: unknown } } | undefined)?.updates
        ?.updatedRange;
      return typeof updated === 'string' ? updated : null;
    },

    /** `spreadsheets.batchUpdate` `addSheet`: creates a missing tab. */
    async addSheet(title: string, signal?: AbortSignal): Promise<void> {
      await call(`addSheet ${title}`, {
        method: 'POST',
        path: sheetPath(':batchUpdate'),
        json: { requests: [{ addSheet: { properties: { title } } }] },
        signal,
      });
    },

    /** A token now (verify): proves the key and e-mail are accepted. */
    token: accessToken,
  };
}

export type SheetsClient = ReturnType<typeof createSheetsClient>;
