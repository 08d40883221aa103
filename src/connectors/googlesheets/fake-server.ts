/**
 * A local Google (reference §11, §20) for tests and the demo: the OAuth token endpoint and
 * the `spreadsheets.values` methods over an in-memory grid of one spreadsheet.
 *
 *   const fake = await startGoogleSheetsFake();            // a fresh service account key
 *   env = googleSheetsEnv(fake);                            // ARREARS_GOOGLESHEETS_* for it
 *   …
 *   fake.rows('Delinquency')     // string[][]: every row of a tab, header first, as text
 *   fake.leaseRow('L1')          // string[] | undefined: the list row whose column A is L1
 *   fake.quotaExceeded(1); fake.serverError(1); fake.revokeTokens();
 *
 * `rows(sheet)` and `leaseRow(leaseId)` are what end-to-end tests read: the list tab's
 * header row is `lease | tenant | property | unit | balance | stage | status | last action
 * | updated`, so a case's status is `row[header.indexOf('status')]` — `open`, then `closed`.
 *
 * The token endpoint (POST /token, form `grant_type=urn:ietf:params:oauth:grant-type:
 * jwt-bearer&assertion=…`) verifies the RS256 signature with the service account's public
 * key and checks `iss`, `aud` (this fake's /token URL), `scope` and `exp ≤ iat + 3600`;
 * refusals are OAuth's `{"error":"invalid_grant","error_description":…}`. The API answers
 * Google's `{"error":{"code","message","status"}}`: 401 UNAUTHENTICATED without a token it
 * issued, 400 INVALID_ARGUMENT for a write without `valueInputOption` or a range that does
 * not parse (a missing tab), 404 NOT_FOUND for another spreadsheet id, 429
 * RESOURCE_EXHAUSTED and 5xx on demand (failNext / quotaExceeded / serverError).
 */
import { createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { startFake, type FakeReply, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { JWT_BEARER_GRANT, SHEETS_SCOPE } from './service-account.js';

export interface ServiceAccountKeyFile {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id: string;
  token_uri: string;
}

export interface GoogleSheetsFakeOptions {
  spreadsheetId?: string;
  clientEmail?: string;
  /** The list tab `leaseRow` reads (default `Delinquency`). */
  listSheet?: string;
  /** Tabs that exist at the start (default: the list tab and `Action log`). */
  sheets?: string[];
}

export interface GoogleSheetsFake extends FakeServer {
  spreadsheetId: string;
  /** `{url}/token`: the JWT audience and the TOKEN_URL setting. */
  tokenUrl: string;
  /** A key file for the service account this fake trusts (its private key included). */
  serviceAccount: ServiceAccountKeyFile;
  /** Every row of a tab as text (empty cells ''), header first; [] for an unknown tab. */
  rows(sheet: string): string[][];
  /** The list tab's row whose column A is `leaseId` (header excluded). */
  leaseRow(leaseId: string): string[] | undefined;
  /** Access tokens issued so far. */
  tokensIssued: number;
  /** Every issued token stops working (the API answers 401 UNAUTHENTICATED). */
  revokeTokens(): void;
  /** The next `times` API calls answer 429 RESOURCE_EXHAUSTED (Retry-After when given). */
  quotaExceeded(times: number, retryAfterSeconds?: number): void;
  /** The next `times` API calls answer `status` (500 INTERNAL / 503 UNAVAILABLE). */
  serverError(times: number, status?: 500 | 503): void;
  /** Creates (or empties) a tab. */
  addTab(sheet: string, rows?: unknown[][]): void;
}

/** ARREARS_GOOGLESHEETS_* pointing the connector at `fake`. */
export function googleSheetsEnv(fake: GoogleSheetsFake): Record<string, string> {
  return {
    ARREARS_GOOGLESHEETS_SERVICE_ACCOUNT_JSON: JSON.stringify(fake.serviceAccount),
    ARREARS_GOOGLESHEETS_SPREADSHEET_ID: fake.spreadsheetId,
    ARREARS_GOOGLESHEETS_BASE_URL: fake.url,
    ARREARS_GOOGLESHEETS_TOKEN_URL: fake.tokenUrl,
  };
}

const googleError = (code: number, status: string, message: string) => ({
  error: { code, message, status },
});

const UNAUTHENTICATED = googleError(
  401,
  'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
);

// ---------------------------------------------------------------------------------------
// A1 notation

interface A1 {
  sheet: string;
  /** 0-based, inclusive; `lastRow` Infinity when open-ended (`A:I`). */
  firstCol: number;
  lastCol: number;
  firstRow: number;
  lastRow: number;
}

const colIndex = (letters: string) =>
  [...letters.toUpperCase()].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
const colName = (i: number): string =>
  i < 26 ? String.fromCharCode(65 + i) : colName(Math.floor(i / 26) - 1) + colName(i % 26);

export function parseA1(range: string): A1 | null {
  const m = /^(?:'((?:[^']|'')+)'|([^!':]+))(?:!([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?)?$/.exec(
    range,
  );
  if (!m) return null;
  const sheet = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!;
  const [c1, r1, c2, r2] = [m[3] ?? '', m[4] ?? '', m[5], m[6]];
  const single = c2 === undefined;
  return {
    sheet,
    firstCol: c1 ? colIndex(c1) : 0,
    lastCol: single ? (c1 ? colIndex(c1) : 25) : c2 ? colIndex(c2) : 25,
    firstRow: r1 ? Number(r1) - 1 : 0,
    lastRow: single ? (r1 ? Number(r1) - 1 : Infinity) : r2 ? Number(r2) - 1 : Infinity,
  };
}

const a1Of = (sheet: string, c1: number, r1: number, c2: number, r2: number) =>
  `'${sheet.replace(/'/g, "''")}'!${colName(c1)}${r1 + 1}:${colName(c2)}${r2 + 1}`;

// ---------------------------------------------------------------------------------------

type Grid = unknown[][];

const isBlank = (row: unknown[] | undefined) =>
  !row || row.every((v) => v === undefined || v === null || v === '');

function verifyJwt(
  assertion: string,
  key: KeyObject,
  expect: { iss: string; aud: string },
): string | null {
  const parts = assertion.split('.');
  if (parts.length !== 3)
    return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe';
  const [h, c, s] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: { iss?: unknown; aud?: unknown; scope?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'Invalid JWT: cannot parse';
  }
  if (header.alg !== 'RS256') return 'Invalid JWT: alg must be RS256';
  if (!createVerify('RSA-SHA256').update(`${h}.${c}`).verify(key, Buffer.from(s, 'base64url')))
    return 'Invalid JWT Signature.';
  if (claims.iss !== expect.iss) return 'Invalid JWT: unknown issuer';
  if (claims.aud !== expect.aud) return 'Invalid JWT: Failed audience check.';
  if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(SHEETS_SCOPE))
    return 'Invalid JWT: scope must include the spreadsheets scope';
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp <= iat || exp - iat > 3600)
    return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
  if (exp < Date.now() / 1000) return 'Invalid JWT: Token has expired.';
  return null;
}

export async function startGoogleSheetsFake(
  options: GoogleSheetsFakeOptions = {},
): Promise<GoogleSheetsFake> {
  const spreadsheetId = options.spreadsheetId ?? '1FakeSpreadsheetIdForArrearsTests';
  const clientEmail = options.clientEmail ?? 'arrears@arrears-test.iam.gserviceaccount.com';
  const listSheet = options.listSheet ?? 'Delinquency';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const grids = new Map<string, Grid>();
  for (const s of options.sheets ?? [listSheet, 'Action log']) grids.set(s, []);
  const tokens = new Set<string>();

  // eslint-disable-next-line prefer-const -- the handler reads it once it is assigned
  let fake: GoogleSheetsFake;

  function token(req: FakeRequest, reply: FakeReply) {
    if (req.form.grant_type !== JWT_BEARER_GRANT)
      return reply.json(400, {
        error: 'unsupported_grant_type',
        error_description: 'Invalid grant_type: ' + (req.form.grant_type ?? ''),
      });
    if (!req.form.assertion)
      return reply.json(400, { error: 'invalid_request', error_description: 'Missing assertion' });
    const problem = verifyJwt(req.form.assertion, publicKey, {
      iss: clientEmail,
      aud: fake.tokenUrl,
    });
    if (problem) return reply.json(400, { error: 'invalid_grant', error_description: problem });
    const access = `ya29.fake-${randomBytes(12).toString('base64url')}`;
    tokens.add(access);
    fake.tokensIssued++;
    reply.json(200, { access_token: access, expires_in: 3599, token_type: 'Bearer' });
  }

  const badRange = (reply: FakeReply, range: string) =>
    reply.json(400, googleError(400, 'INVALID_ARGUMENT', `Unable to parse range: ${range}`));

  function gridOf(range: string): { a: A1; grid: Grid } | null {
    const a = parseA1(range);
    const grid = a ? grids.get(a.sheet) : undefined;
    return a && grid ? { a, grid } : null;
  }

  function inputOptionProblem(req: FakeRequest): string | null {
    const v = req.query.get('valueInputOption');
    if (v === null) return "'valueInputOption' is required but not specified";
    if (v !== 'RAW' && v !== 'USER_ENTERED')
      return `Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "${v}"`;
    return null;
  }

  /** RAW stores what it is given; USER_ENTERED reads a leading apostrophe as "text". */
  const stored = (v: unknown, option: string) =>
    option === 'USER_ENTERED' && typeof v === 'string' && v.startsWith("'") ? v.slice(1) : v;

  function bodyValues(req: FakeRequest, reply: FakeReply, range: string): unknown[][] | null {
    const body = req.json as { range?: unknown; majorDimension?: unknown; values?: unknown };
    if (!body || !Array.isArray(body.values) || !body.values.every(Array.isArray)) {
      reply.json(
        400,
        googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload: values is required'),
      );
      return null;
    }
    if (body.range !== undefined && body.range !== range) {
      reply.json(
        400,
        googleError(
          400,
          'INVALID_ARGUMENT',
          `Requested writing within range [${range}], but tried writing to [${String(body.range)}]`,
        ),
      );
      return null;
    }
    if (body.majorDimension !== undefined && body.majorDimension !== 'ROWS') {
      reply.json(400, googleError(400, 'INVALID_ARGUMENT', 'this fake writes ROWS only'));
      return null;
    }
    return body.values as unknown[][];
  }

  function write(grid: Grid, a: A1, at: number, values: unknown[][], option: string) {
    values.forEach((row, i) => {
      const target = (grid[at + i] ??= []);
      row.forEach((v, j) => {
        target[a.firstCol + j] = stored(v, option);
      });
    });
    const width = Math.max(0, ...values.map((r) => r.length));
    const cells = values.reduce((n, r) => n + r.length, 0);
    return {
      spreadsheetId,
      updatedRange: a1Of(
        a.sheet,
        a.firstCol,
        at,
        a.firstCol + Math.max(0, width - 1),
        at + values.length - 1,
      ),
      updatedRows: values.length,
      updatedColumns: width,
      updatedCells: cells,
    };
  }

  function values(req: FakeRequest, reply: FakeReply, rawRange: string, op: string) {
    const range = decodeURIComponent(rawRange);
    const found = gridOf(range);
    if (!found) return badRange(reply, range);
    const { a, grid } = found;
    if (req.method === 'GET' && op === '') {
      const last = Math.min(a.lastRow, grid.length - 1);
      const rows: unknown[][] = [];
      for (let r = a.firstRow; r <= last; r++) {
        const row = (grid[r] ?? []).slice(a.firstCol, a.lastCol + 1);
        while (row.length && (row.at(-1) === undefined || row.at(-1) === '')) row.pop();
        rows.push(row.map((v) => v ?? ''));
      }
      while (rows.length && rows.at(-1)!.length === 0) rows.pop();
      const render = req.query.get('valueRenderOption') ?? 'FORMATTED_VALUE';
      const out = render === 'FORMATTED_VALUE' ? rows.map((r) => r.map((v) => String(v))) : rows;
      return reply.json(200, {
        range,
        majorDimension: 'ROWS',
        ...(out.length ? { values: out } : {}),
      });
    }
    const problem = inputOptionProblem(req);
    if (problem) return reply.json(400, googleError(400, 'INVALID_ARGUMENT', problem));
    const option = req.query.get('valueInputOption')!;
    const rows = bodyValues(req, reply, range);
    if (!rows) return;
    if (req.method === 'PUT' && op === '') {
      const height = a.lastRow === Infinity ? Infinity : a.lastRow - a.firstRow + 1;
      if (rows.length > height || rows.some((r) => r.length > a.lastCol - a.firstCol + 1))
        return reply.json(
          400,
          googleError(
            400,
            'INVALID_ARGUMENT',
            `Requested writing within range [${range}], but tried writing beyond it`,
          ),
        );
      return reply.json(200, write(grid, a, a.firstRow, rows, option));
    }
    if (req.method === 'POST' && op === ':append') {
      const insert = req.query.get('insertDataOption') ?? 'OVERWRITE';
      if (insert !== 'OVERWRITE' && insert !== 'INSERT_ROWS')
        return reply.json(
          400,
          googleError(400, 'INVALID_ARGUMENT', `Invalid insertDataOption ${insert}`),
        );
      // The "table" is the last non-empty row at or after the range start.
      let end = grid.length;
      while (end > a.firstRow && isBlank(grid[end - 1]?.slice(a.firstCol, a.lastCol + 1))) end--;
      const at = Math.max(end, a.firstRow);
      if (insert === 'INSERT_ROWS') grid.splice(at, 0, ...rows.map(() => [] as unknown[]));
      const updates = write(grid, a, at, rows, option);
      return reply.json(200, {
        spreadsheetId,
        tableRange: a1Of(a.sheet, a.firstCol, a.firstRow, a.lastCol, Math.max(a.firstRow, at - 1)),
        updates,
      });
    }
    reply.json(404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
  }

  function batchUpdate(req: FakeRequest, reply: FakeReply) {
    const requests = (req.json as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests))
      return reply.json(
        400,
        googleError(400, 'INVALID_ARGUMENT', 'Invalid requests: requests is required'),
      );
    const replies: unknown[] = [];
    for (const r of requests as { addSheet?: { properties?: { title?: unknown } } }[]) {
      const title = r.addSheet?.properties?.title;
      if (typeof title !== 'string' || title === '')
        return reply.json(
          400,
          googleError(400, 'INVALID_ARGUMENT', 'this fake supports addSheet with a title only'),
        );
      if (grids.has(title))
        return reply.json(
          400,
          googleError(
            400,
            'INVALID_ARGUMENT',
            `Invalid requests[0].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`,
          ),
        );
      grids.set(title, []);
      replies.push({ addSheet: { properties: { sheetId: grids.size, title } } });
    }
    reply.json(200, { spreadsheetId, replies });
  }

  const server = await startFake((req, reply) => {
    if (req.method === 'POST' && req.path === '/token') return token(req, reply);
    const m = /^\/v4\/spreadsheets\/([^/:]+)(:batchUpdate|\/values\/([^/]+?)(:append)?)?$/.exec(
      req.path,
    );
    if (!m)
      return reply.json(404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice('Bearer '.length)))
      return reply.json(401, UNAUTHENTICATED, {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
      });
    if (decodeURIComponent(m[1]!) !== spreadsheetId)
      return reply.json(404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
    if (m[2] === ':batchUpdate' && req.method === 'POST') return batchUpdate(req, reply);
    if (m[3] !== undefined) return values(req, reply, m[3], m[4] ?? '');
    reply.json(404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
  });

  const text = (row: unknown[] | undefined) =>
    Array.from(row ?? [], (v) => (v === undefined || v === null ? '' : String(v)));

  fake = Object.assign(server, {
    spreadsheetId,
    tokenUrl: `${server.url}/token`,
    serviceAccount: {
      type: 'service_account' as const,
      client_email: clientEmail,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      private_key_id: randomBytes(20).toString('hex'),
      token_uri: `${server.url}/token`,
    },
    rows: (sheet: string) => (grids.get(sheet) ?? []).map(text),
    leaseRow: (leaseId: string) => {
      const grid = grids.get(listSheet) ?? [];
      const row = grid.slice(1).find((r) => r?.[0] === leaseId);
      return row ? text(row) : undefined;
    },
    tokensIssued: 0,
    revokeTokens: () => tokens.clear(),
    quotaExceeded: (times: number, retryAfterSeconds?: number) =>
      server.fault(times, {
        status: 429,
        path: /^\/v4\//,
        headers:
          retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {},
        body: googleError(
          429,
          'RESOURCE_EXHAUSTED',
          "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com'.",
        ),
      }),
    serverError: (times: number, status: 500 | 503 = 503) =>
      server.fault(times, {
        status,
        path: /^\/v4\//,
        body:
          status === 503
            ? googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.')
            : googleError(500, 'INTERNAL', 'Internal error encountered.'),
      }),
    addTab: (sheet: string, rows: unknown[][] = []) => {
      grids.set(
        sheet,
        rows.map((r) => [...r]),
      );
    },
  });
  return fake;
}
