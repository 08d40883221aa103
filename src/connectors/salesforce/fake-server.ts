/**
 * A local Salesforce org (reference §4 and §20) for contract tests, end-to-end tests and
 * the demo, over real HTTP. The fake is both the login host and the instance:
 *
 *   POST /services/oauth2/token    JWT bearer (RS256 assertion verified with `publicKey`:
 *                                  iss, sub, aud, exp ≤ 3 min) or client_credentials;
 *                                  answers {access_token, instance_url: fake.url, …}
 *   GET  /services/data/           the API versions (no auth)
 *   PATCH /services/data/vXX.X/sobjects/Case/Arrears_Lease_Case__c/{value}
 *                                  upsert: 201 created, 200 updated (v46.0+; 204 before)
 *   GET  …/sobjects/Case/Arrears_Lease_Case__c/{value}
 *   POST …/sobjects/Task           201 {id, success, errors}
 *   GET  …/query?q=SELECT Id, Description FROM Task WHERE WhatId = '…'
 *                                  pages of `queryPageSize`, `nextRecordsUrl` until `done`
 *   GET  …/limits
 *
 * Errors come in Salesforce's array shape `[{message, errorCode, fields}]`: 401
 * INVALID_SESSION_ID without a live token, 400 INVALID_FIELD for an unknown field,
 * REQUIRED_FIELD_MISSING for a required one (Task Subject; `required` adds an org's own),
 * INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST for a Case Status it lacks, 404 NOT_FOUND.
 * `limitExceededNext(n)` answers 403 REQUEST_LIMIT_EXCEEDED (Salesforce has no 429);
 * `failNext` / `stallNext` come from fake-http; every answer carries Sforce-Limit-Info.
 *
 * For tests reading what a case looks like in the CRM:
 *
 *   fake.cases()                 { [`<leaseId>:<episode>`]: { id, fields, tasks } }
 *   fake.leaseStatus('L1')       the Status of the lease's latest case ('New' | 'Working' |
 *                                'Closed'), or undefined when it has none
 *   fake.expireSessions()        every access token issued so far stops working
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { startFake, type FakeReply, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { EXTERNAL_ID_FIELD, JWT_GRANT } from './map.js';

type SObject = 'Case' | 'Task';

export interface SalesforceRecord {
  id: string;
  fields: Record<string, string>;
}

export interface CaseRecord extends SalesforceRecord {
  tasks: SalesforceRecord[];
}

export interface SalesforceFakeOptions {
  clientId?: string;
  /** Client credentials flow. */
  clientSecret?: string;
  /** JWT bearer flow: the certificate's public key and the pre-authorized user. */
  publicKey?: string | KeyObject;
  username?: string;
  audience?: string;
  /** Fields the org requires on create, beyond Task Subject (a required custom field). */
  required?: Partial<Record<SObject, string[]>>;
  /** Custom Case fields the org has, beyond the external id. */
  customCaseFields?: string[];
  queryPageSize?: number;
}

export interface SalesforceFake extends FakeServer {
  cases(): Record<string, CaseRecord>;
  leaseStatus(leaseId: string): string | undefined;
  expireSessions(): void;
  /** Access tokens issued, oldest first. */
  issuedTokens: string[];
  limitExceededNext(times: number): void;
}

const STANDARD: Record<SObject, string[]> = {
  Case: [
    'Subject',
    'Status',
    'Origin',
    'Priority',
    'Description',
    'SuppliedName',
    'SuppliedEmail',
    'SuppliedPhone',
    'AccountId',
    'ContactId',
    'OwnerId',
    'Reason',
    'Type',
    EXTERNAL_ID_FIELD,
  ],
  Task: [
    'Subject',
    'Status',
    'Priority',
    'ActivityDate',
    'WhatId',
    'WhoId',
    'OwnerId',
    'Description',
    'Type',
  ],
};
const CASE_STATUSES = ['New', 'Working', 'Escalated', 'Closed'];
const PREFIX: Record<SObject, string> = { Case: '500', Task: '00T' };

const sfError = (errorCode: string, message: string, fields?: string[]) => [
  { message, errorCode, ...(fields ? { fields } : {}) },
];

export async function startSalesforceFake(
  options: SalesforceFakeOptions = {},
): Promise<SalesforceFake> {
  const clientId = options.clientId ?? 'fake-consumer-key';
  const audience = options.audience ?? 'https://login.salesforce.com';
  const publicKey =
    options.publicKey === undefined
      ? undefined
      : typeof options.publicKey === 'string'
        ? createPublicKey(options.publicKey)
        : options.publicKey;
  const known: Record<SObject, Set<string>> = {
    Case: new Set([...STANDARD.Case, ...(options.customCaseFields ?? [])]),
    Task: new Set(STANDARD.Task),
  };
  const required: Record<SObject, string[]> = {
    Case: options.required?.Case ?? [],
    Task: ['Subject', ...(options.required?.Task ?? [])],
  };
  const pageSize = options.queryPageSize ?? 2000;
  const records: Record<SObject, Map<string, SalesforceRecord>> = {
    Case: new Map(),
    Task: new Map(),
  };
  const sessions = new Set<string>();
  const issuedTokens: string[] = [];
  const cursors = new Map<string, Record<string, unknown>[]>();
  let counter = 1;
  let calls = 0;
  const newId = (type: SObject) =>
    `${PREFIX[type]}${'0'.repeat(12 - String(counter).length)}${counter++}AAA`;

  // eslint-disable-next-line prefer-const -- the handler reads it once it is assigned
  let url: string;

  function token(req: FakeRequest, reply: FakeReply) {
    const f = req.form;
    const refuse = (error: string, description: string) =>
      reply.json(400, { error, error_description: description });
    if (f.grant_type === JWT_GRANT) {
      const parts = (f.assertion ?? '').split('.');
      if (parts.length !== 3 || !publicKey) return refuse('invalid_grant', 'invalid assertion');
      const ok = verify(
        'RSA-SHA256',
        Buffer.from(`${parts[0]}.${parts[1]}`),
        publicKey,
        Buffer.from(parts[2]!, 'base64url'),
      );
      if (!ok) return refuse('invalid_grant', 'invalid assertion');
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
        iss?: string;
        sub?: string;
        aud?: string;
        exp?: number;
      };
      const now = Date.now() / 1000;
      if (claims.iss !== clientId) return refuse('invalid_client_id', 'client identifier invalid');
      if (claims.aud !== audience) return refuse('invalid_grant', 'audience is invalid');
      if (typeof claims.exp !== 'number' || claims.exp < now || claims.exp > now + 180 + 5)
        return refuse('invalid_grant', 'expired authorization code');
      if (claims.sub !== options.username)
        return refuse('invalid_grant', "user hasn't approved this consumer");
    } else if (f.grant_type === 'client_credentials') {
      if (
        f.client_id !== clientId ||
        !options.clientSecret ||
        f.client_secret !== options.clientSecret
      )
        return refuse('invalid_client', 'invalid client credentials');
    } else return refuse('unsupported_grant_type', 'grant type not supported');
    const access = `00DFAKE!${randomBytes(24).toString('base64url')}`;
    sessions.add(access);
    issuedTokens.push(access);
    reply.json(200, {
      access_token: access,
      instance_url: url,
      id: `${url}/id/00DFAKE000000001AAA/005FAKE000000001AAA`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
      scope: 'api',
    });
  }

  /** The org's answer to bad fields, or null. */
  function invalid(type: SObject, fields: Record<string, unknown>, creating: boolean) {
    const unknown = Object.keys(fields).find((k) => !known[type].has(k));
    if (unknown !== undefined)
      return sfError('INVALID_FIELD', `No such column '${unknown}' on sobject of type ${type}`);
    if (
      type === 'Case' &&
      fields.Status !== undefined &&
      !CASE_STATUSES.includes(String(fields.Status))
    )
      return sfError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Status: bad value for restricted picklist field: ${String(fields.Status)}`,
        ['Status'],
      );
    const missing = creating ? required[type].filter((k) => !fields[k]) : [];
    if (missing.length > 0)
      return sfError(
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    return null;
  }

  const view = (type: SObject, r: SalesforceRecord, version: string) => ({
    attributes: { type, url: `/services/data/${version}/sobjects/${type}/${r.id}` },
    Id: r.id,
    ...r.fields,
  });

  function findCase(externalId: string): SalesforceRecord | undefined {
    for (const r of records.Case.values()) if (r.fields[EXTERNAL_ID_FIELD] === externalId) return r;
    return undefined;
  }

  function api(version: string, rest: string, req: FakeRequest, reply: FakeReply) {
    const caseRoute = /^sobjects\/Case\/([A-Za-z0-9_]+)\/([^/]+)$/.exec(rest);
    if (caseRoute) {
      if (caseRoute[1] !== EXTERNAL_ID_FIELD)
        return reply.json(
          404,
          sfError(
            'NOT_FOUND',
            `Provided external ID field does not exist or is not accessible: ${caseRoute[1]}`,
          ),
        );
      const externalId = decodeURIComponent(caseRoute[2]!);
      const found = findCase(externalId);
      if (req.method === 'GET') {
        if (!found)
          return reply.json(404, sfError('NOT_FOUND', 'The requested resource does not exist'));
        return reply.json(200, view('Case', found, version));
      }
      if (req.method !== 'PATCH')
        return reply.json(405, sfError('METHOD_NOT_ALLOWED', 'HTTP Method not allowed'));
      const body = (req.json ?? {}) as Record<string, unknown>;
      const bad = invalid('Case', body, found === undefined);
      if (bad) return reply.json(400, bad);
      const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
      if (found) {
        Object.assign(found.fields, values);
        if (Number(version.slice(1)) < 46) return reply.empty(204);
        return reply.json(200, { id: found.id, success: true, errors: [], created: false });
      }
      const created = {
        id: newId('Case'),
        fields: { Status: 'New', ...values, [EXTERNAL_ID_FIELD]: externalId },
      };
      records.Case.set(created.id, created);
      return reply.json(201, { id: created.id, success: true, errors: [], created: true });
    }
    if (rest === 'sobjects/Task' && req.method === 'POST') {
      const body = (req.json ?? {}) as Record<string, unknown>;
      const bad = invalid('Task', body, true);
      if (bad) return reply.json(400, bad);
      const whatId = String(body.WhatId ?? '');
      if (whatId !== '' && !records.Case.has(whatId))
        return reply.json(
          400,
          sfError('INVALID_CROSS_REFERENCE_KEY', 'Related To ID: id value of incorrect type', [
            'WhatId',
          ]),
        );
      const task = {
        id: newId('Task'),
        fields: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])),
      };
      records.Task.set(task.id, task);
      return reply.json(201, { id: task.id, success: true, errors: [] });
    }
    if (rest === 'query' && req.method === 'GET') {
      const q = req.query.get('q') ?? '';
      const m = /^SELECT Id, Description FROM Task WHERE WhatId = '([A-Za-z0-9]{15,18})'$/.exec(q);
      if (!m)
        return reply.json(400, sfError('MALFORMED_QUERY', `unexpected query: ${q.slice(0, 80)}`));
      const all = [...records.Task.values()]
        .filter((t) => t.fields.WhatId === m[1])
        .map((t) => ({
          attributes: { type: 'Task', url: `/services/data/${version}/sobjects/Task/${t.id}` },
          Id: t.id,
          Description: t.fields.Description ?? null,
        }));
      return page(version, `01g${randomBytes(6).toString('hex')}`, all, 0, reply);
    }
    const more = /^query\/(01g[0-9a-f]+)-(\d+)$/.exec(rest);
    if (more && req.method === 'GET') {
      const all = cursors.get(more[1]!);
      if (!all) return reply.json(404, sfError('INVALID_QUERY_LOCATOR', 'invalid query locator'));
      return page(version, more[1]!, all, Number(more[2]), reply);
    }
    if (rest === 'limits' && req.method === 'GET')
      return reply.json(200, {
        DailyApiRequests: { Max: 100_000, Remaining: 100_000 - calls },
      });
    return reply.json(404, sfError('NOT_FOUND', 'The requested resource does not exist'));
  }

  function page(
    version: string,
    locator: string,
    all: Record<string, unknown>[],
    from: number,
    reply: FakeReply,
  ) {
    const records = all.slice(from, from + pageSize);
    const done = from + pageSize >= all.length;
    if (!done) cursors.set(locator, all);
    reply.json(200, {
      totalSize: all.length,
      done,
      records,
      ...(done
        ? {}
        : { nextRecordsUrl: `/services/data/${version}/query/${locator}-${from + pageSize}` }),
    });
  }

  const fake = await startFake((req, reply) => {
    calls++;
    const limitInfo = { 'sforce-limit-info': `api-usage=${calls}/100000` };
    const withInfo: FakeReply = {
      json: (s, b, h) => reply.json(s, b, { ...limitInfo, ...h }),
      text: (s, b, t, h) => reply.text(s, b, t, { ...limitInfo, ...h }),
      empty: (s, h) => reply.empty(s, { ...limitInfo, ...h }),
    };
    if (req.path === '/services/oauth2/token' && req.method === 'POST') return token(req, reply);
    if (req.path === '/services/data/' || req.path === '/services/data')
      return reply.json(200, [
        { label: "Spring '26", url: '/services/data/v66.0', version: '66.0' },
        { label: "Summer '26", url: '/services/data/v67.0', version: '67.0' },
      ]);
    const m = /^\/services\/data\/(v\d{2,3}\.\d)\/(.+)$/.exec(req.path);
    if (!m) return reply.json(404, sfError('NOT_FOUND', 'The requested resource does not exist'));
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (bearer === undefined || !sessions.has(bearer))
      return reply.json(401, sfError('INVALID_SESSION_ID', 'Session expired or invalid'));
    return api(m[1]!, m[2]!, req, withInfo);
  });
  url = fake.url;

  function cases(): Record<string, CaseRecord> {
    const out: Record<string, CaseRecord> = {};
    for (const c of records.Case.values())
      out[c.fields[EXTERNAL_ID_FIELD]!] = {
        id: c.id,
        fields: { ...c.fields },
        tasks: [...records.Task.values()]
          .filter((t) => t.fields.WhatId === c.id)
          .map((t) => ({ id: t.id, fields: { ...t.fields } })),
      };
    return out;
  }

  return Object.assign(fake, {
    cases,
    leaseStatus(leaseId: string) {
      let latest: { episode: number; status: string | undefined } | undefined;
      for (const c of records.Case.values()) {
        const [lease, episode] = (c.fields[EXTERNAL_ID_FIELD] ?? '').split(':');
        if (lease === leaseId && (!latest || Number(episode) > latest.episode))
          latest = { episode: Number(episode), status: c.fields.Status };
      }
      return latest?.status;
    },
    expireSessions() {
      sessions.clear();
    },
    issuedTokens,
    limitExceededNext(times: number) {
      fake.fault(times, {
        status: 403,
        path: /^\/services\/data\/v/,
        body: sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      });
    },
  });
}
