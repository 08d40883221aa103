/**
 * A local Dataverse for tests and the demo (reference §6, §20): the Entra ID token endpoint
 * (client credentials, its OAuth error shape), and under `/api/data/v9.2` the WhoAmI
 * function, PATCH upserts by id or by the `arrears_leasecase` alternate key with
 * `If-Match` / `If-None-Match` semantics (404 / 412), notes (annotations), row reads, the
 * OData error shape `{error:{code,message}}`, and a staff edit helper that returns the
 * RemoteExecutionContext a registered webhook step would POST.
 *
 * Codes the fake answers with (~ where the reference marks them unverified):
 *   0x80040217 row does not exist · 0x80040237 duplicate key (create-only) ·
 *   0x80060888 unknown property · 0x80040203 required column missing ~ ·
 *   0x80072322 service protection (429, Retry-After).
 */
import { randomUUID } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { COLUMNS } from './map.js';

type Json = Record<string, unknown>;

export interface DynamicsFakeOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  table?: string;
  entitySet?: string;
  /** Seconds a token lives (Entra: ~3599). */
  tokenLifetime?: number;
}

export interface DynamicsFake extends FakeServer {
  tokenUrl: string;
  /** Use as ORG_URL: the Web API is `${url}/api/data/v9.2`. */
  orgUrl: string;
  apiUrl: string;
  rows: Map<string, Json>;
  notes: Map<string, Json>;
  tokensIssued: number;
  /** Every token issued so far is refused from now on (expired or revoked). */
  expireTokens(): void;
  /** The row whose alternate key is `leaseCase`. */
  rowByKey(leaseCase: string): (Json & { id: string }) | undefined;
  /** A user edits the row in Dynamics; returns the RemoteExecutionContext of the Update step. */
  staffEdit(rowId: string, columns: Json): Json;
  /**
   * POSTs a context to a webhook endpoint as the registered step does: the key as the
   * `code` query parameter (auth type WebhookKey) plus Dataverse's request headers.
   */
  deliver(endpoint: string, key: string, context: Json): Promise<{ status: number; text: string }>;
}

export const API_PATH = '/api/data/v9.2';
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALLOWED = new Set<string>([...Object.values(COLUMNS), 'statecode', 'statuscode']);

const odata = (reply: FakeReply, status: number, code: string, message: string) =>
  reply.json(status, { error: { code, message } });

/** `(<guid>)` or `(arrears_leasecase='L1:1')` after the entity set name. */
function keyOf(segment: string): { id: string } | { alt: string } | null {
  const m = /^\((.*)\)$/.exec(segment);
  if (!m) return null;
  const inner = decodeURIComponent(m[1]!);
  if (ID.test(inner)) return { id: inner.toLowerCase() };
  const alt = new RegExp(`^${COLUMNS.leaseCase}='((?:[^']|'')*)'$`).exec(inner);
  return alt ? { alt: alt[1]!.replace(/''/g, "'") } : null;
}

export async function startDynamicsFake(o: DynamicsFakeOptions): Promise<DynamicsFake> {
  const table = o.table ?? 'arrears_case';
  const entitySet = o.entitySet ?? 'arrears_cases';
  const idColumn = `${table}id`;
  const rows = new Map<string, Json>();
  const notes = new Map<string, Json>();
  const live = new Set<string>();
  let version = 1000;
  // eslint-disable-next-line prefer-const -- the handlers read it once it is assigned
  let fake: DynamicsFake;

  const stamp = (row: Json) => {
    row['@odata.etag'] = `W/"${++version}"`;
    row.modifiedon = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  };
  const find = (k: { id: string } | { alt: string }) => {
    if ('id' in k) return rows.has(k.id) ? k.id : undefined;
    for (const [id, row] of rows) if (row[COLUMNS.leaseCase] === k.alt) return id;
    return undefined;
  };

  function token(req: FakeRequest, reply: FakeReply) {
    const f = req.form;
    const refuse = (status: number, error: string, aadsts: string) =>
      reply.json(status, {
        error,
        error_description: `${aadsts}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}`,
        error_codes: [Number(aadsts.slice(6, aadsts.indexOf(':')))],
        timestamp: new Date().toISOString(),
      });
    if (f.grant_type !== 'client_credentials')
      return refuse(400, 'unsupported_grant_type', 'AADSTS70003: unsupported grant type');
    if (!f.scope)
      return refuse(
        400,
        'invalid_request',
        "AADSTS90014: The required field 'scope' is missing from the credential.",
      );
    if (f.client_id !== o.clientId)
      return refuse(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${f.client_id ?? ''}' was not found in the directory.`,
      );
    if (f.client_secret !== o.clientSecret)
      return refuse(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    const access = `eyJ0eXAiOiJKV1QifQ.fake-${++fake.tokensIssued}.${randomUUID()}`;
    live.add(access);
    reply.json(200, {
      token_type: 'Bearer',
      expires_in: o.tokenLifetime ?? 3599,
      ext_expires_in: o.tokenLifetime ?? 3599,
      access_token: access,
    });
  }

  function badColumns(body: Json, reply: FakeReply, forTable: string): boolean {
    for (const k of Object.keys(body)) {
      if (k.endsWith('@odata.bind')) continue;
      if (forTable === table && !ALLOWED.has(k)) {
        odata(
          reply,
          400,
          '0x80060888',
          `Could not find a property named '${k}' on type 'Microsoft.Dynamics.CRM.${table}'.`,
        );
        return true;
      }
    }
    if (forTable === table && COLUMNS.episode in body && !Number.isInteger(body[COLUMNS.episode])) {
      odata(
        reply,
        400,
        '0x80048d19',
        `Cannot convert the value to 'Edm.Int32' (${COLUMNS.episode}).`,
      );
      return true;
    }
    return false;
  }

  /** PATCH: upsert; If-Match → update only (404 when absent); If-None-Match: * → create only. */
  function patch(
    req: FakeRequest,
    reply: FakeReply,
    set: string,
    key: { id: string } | { alt: string },
  ) {
    const body = req.json;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return odata(reply, 400, '0x80040203', 'The request body must be a JSON object.');
    const isNote = set === 'annotations';
    const store = isNote ? notes : rows;
    const existing = isNote ? ('id' in key && notes.has(key.id) ? key.id : undefined) : find(key);
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch === '*' && existing !== undefined)
      return odata(reply, 412, '0x80040237', 'A record with matching key values already exists.');
    if (ifMatch !== undefined && existing === undefined)
      return odata(
        reply,
        404,
        '0x80040217',
        `${isNote ? 'annotation' : table} With Ids = ${'id' in key ? key.id : key.alt} Do Not Exist`,
      );
    if (
      ifMatch !== undefined &&
      ifMatch !== '*' &&
      store.get(existing!)?.['@odata.etag'] !== ifMatch
    )
      return odata(
        reply,
        412,
        '0x80060882',
        "The version of the existing record doesn't match the RowVersion property provided.",
      );
    if (badColumns(body as Json, reply, isNote ? 'annotation' : table)) return;

    let id = existing;
    if (id === undefined) {
      if (isNote) {
        const bind = (body as Json)[`objectid_${table}@odata.bind`];
        const parent = typeof bind === 'string' ? /\(([^)]+)\)$/.exec(bind)?.[1] : undefined;
        if (parent === undefined || !rows.has(parent.toLowerCase()))
          return odata(
            reply,
            404,
            '0x80040217',
            `${table} With Ids = ${parent ?? '?'} Do Not Exist`,
          );
      } else if (
        typeof (body as Json)[COLUMNS.name] !== 'string' ||
        (body as Json)[COLUMNS.name] === ''
      )
        return odata(reply, 400, '0x80040203', `Attribute '${COLUMNS.name}' cannot be NULL`);
      id = 'id' in key ? key.id : randomUUID();
      store.set(
        id,
        isNote
          ? { annotationid: id }
          : {
              [idColumn]: id,
              ...('alt' in key ? { [COLUMNS.leaseCase]: key.alt } : {}),
              statecode: 0,
              statuscode: 1,
            },
      );
    }
    const row = store.get(id)!;
    Object.assign(row, body);
    stamp(row);
    reply.empty(204, { 'OData-EntityId': `${fake.apiUrl}/${set}(${id})`, 'OData-Version': '4.0' });
  }

  function get(req: FakeRequest, reply: FakeReply, key: { id: string } | { alt: string }) {
    const id = find(key);
    if (id === undefined)
      return odata(
        reply,
        404,
        '0x80040217',
        `${table} With Ids = ${'id' in key ? key.id : key.alt} Do Not Exist`,
      );
    const row = rows.get(id)!;
    const select = req.query.get('$select');
    const picked: Json = { '@odata.etag': row['@odata.etag'] };
    for (const c of select ? select.split(',') : Object.keys(row)) picked[c] = row[c] ?? null;
    picked[idColumn] = id;
    reply.json(200, {
      '@odata.context': `${fake.apiUrl}/$metadata#${entitySet}/$entity`,
      ...picked,
    });
  }

  const base = await startFake((req, reply) => {
    if (req.method === 'POST' && req.path === `/${o.tenantId}/oauth2/v2.0/token`)
      return token(req, reply);
    if (!req.path.startsWith(API_PATH))
      return odata(reply, 404, '0x8006088a', `No HTTP resource was found that matches ${req.path}`);
    const auth = req.headers.authorization ?? '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!live.has(bearer))
      return reply.empty(401, {
        'WWW-Authenticate': `Bearer error=invalid_token, error_description=Error identified in Payload provided by the user for Token, authorization_uri=${fake.tokenUrl}`,
      });
    const rest = req.path.slice(API_PATH.length);
    if (req.method === 'GET' && rest === '/WhoAmI')
      return reply.json(200, {
        '@odata.context': `${fake.apiUrl}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: '6f202e6c-e471-ec11-8941-000d3a8c7f6a',
        UserId: '2ce3e1a5-4d6e-ec11-8943-000d3a8c7f6a',
        OrganizationId: '883278f5-07af-45eb-a0bc-3fea67caa544',
      });
    const m = /^\/(\w+)(\(.*\))$/.exec(rest);
    const key = m ? keyOf(m[2]!) : null;
    if (!m || key === null || (m[1] !== entitySet && m[1] !== 'annotations'))
      return odata(reply, 404, '0x8006088a', `Resource not found for the segment '${rest}'.`);
    if (req.method === 'PATCH') return patch(req, reply, m[1]!, key);
    if (req.method === 'GET' && m[1] === entitySet) return get(req, reply, key);
    return odata(reply, 405, '0x80060888', `${req.method} is not supported on ${rest}`);
  });

  fake = Object.assign(base, {
    tokenUrl: `${base.url}/${o.tenantId}/oauth2/v2.0/token`,
    orgUrl: base.url,
    apiUrl: `${base.url}${API_PATH}`,
    rows,
    notes,
    tokensIssued: 0,
    expireTokens: () => live.clear(),
    rowByKey(leaseCase: string) {
      for (const [id, row] of rows) if (row[COLUMNS.leaseCase] === leaseCase) return { ...row, id };
      return undefined;
    },
    deliver(endpoint: string, key: string, context: Json) {
      const url = new URL(endpoint);
      url.searchParams.set('code', key);
      return postCallback(url.toString(), JSON.stringify(context), {
        'content-type': 'application/json',
        'x-request-id': randomUUID(),
        'x-ms-dynamics-organization': String(context.OrganizationName ?? ''),
        'x-ms-dynamics-entity-name': String(context.PrimaryEntityName ?? ''),
        'x-ms-dynamics-request-name': String(context.MessageName ?? ''),
        'x-ms-correlation-request-id': String(context.CorrelationId ?? ''),
      });
    },
    staffEdit(rowId: string, columns: Json) {
      const row = rows.get(rowId);
      if (!row) throw new Error(`no row ${rowId}`);
      Object.assign(row, columns);
      stamp(row);
      return remoteExecutionContext(table, rowId, columns);
    },
  });
  return fake;
}

/** The JSON a webhook step on Update posts (RemoteExecutionContext; trimmed to common keys). */
export function remoteExecutionContext(table: string, rowId: string, columns: Json): Json {
  return {
    BusinessUnitId: '6f202e6c-e471-ec11-8941-000d3a8c7f6a',
    CorrelationId: randomUUID(),
    Depth: 1,
    InitiatingUserId: '2ce3e1a5-4d6e-ec11-8943-000d3a8c7f6a',
    InputParameters: [
      {
        key: 'Target',
        value: {
          __type: 'Entity:http://schemas.microsoft.com/xrm/2011/Contracts',
          Attributes: Object.entries(columns).map(([key, value]) => ({ key, value })),
          Id: rowId,
          LogicalName: table,
        },
      },
    ],
    IsExecutingOffline: false,
    IsInTransaction: false,
    MessageName: 'Update',
    Mode: 1,
    OperationCreatedOn: `/Date(${Date.now()})/`,
    OperationId: randomUUID(),
    OrganizationId: '883278f5-07af-45eb-a0bc-3fea67caa544',
    OrganizationName: 'unq883278f507af45eba0bc3fea67caa',
    PostEntityImages: [],
    PreEntityImages: [],
    PrimaryEntityId: rowId,
    PrimaryEntityName: table,
    RequestId: randomUUID(),
    SecondaryEntityName: 'none',
    Stage: 40,
    UserId: '2ce3e1a5-4d6e-ec11-8943-000d3a8c7f6a',
  };
}
