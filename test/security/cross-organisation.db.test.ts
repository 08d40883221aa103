/**
 * Reading or changing another organisation's data by guessing ids (SPEC 10: "every request
 * is scoped to the caller's organisation"). Two organisations share one database: Alpha
 * (the caller) and Bravo (the target), each with leases, cases, drafts, a task with a
 * photo, a notice, a reply and its suggestion, a hold, a hook, users and tokens
 * (two-organisations.ts).
 *
 * Every operation of the server's OpenAPI document is in the table below (a route added
 * without a row fails the first test). Each row says which of Bravo's ids the request
 * names and what Alpha's admin gets for it. Every such request is sent twice, once with
 * Bravo's real ids and once with ids that exist nowhere, through an API token and again
 * through a dashboard session: the two answers must be the same (status and body, ids
 * aside), so a guessed id tells the caller nothing, and no answer may carry anything of
 * Bravo's beyond the ids the caller sent. Afterwards every row Bravo owns is as it was.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/ports/clock.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import type { Db } from '../../src/storage/database.js';
import { runCli, workDir } from '../support/cli.js';
import { forEachDialect } from '../support/databases.js';
import {
  NOW,
  operationsOf,
  orgSnapshot,
  PASSWORD,
  runtimeFor,
  seedOrganisation,
  serveApp,
  snapshotDiff,
  TODAY,
  type Operation,
  type SeededOrg,
} from './two-organisations.js';

/** The ids a request may name: the target organisation's, or ones that exist nowhere. */
interface Ids {
  org: string;
  lease: string;
  property: string;
  tenant: string;
  owner: string;
  ledgerEntry: string;
  draft: string;
  twoPerson: string;
  task: string;
  photo: string;
  corporatePolicy: string;
  overridePolicy: string;
  suggestion: string;
  hook: string;
  userEmail: string;
}

const idsOf = (o: SeededOrg): Ids => ({
  org: o.orgId,
  lease: o.leases[0],
  property: o.properties[0],
  tenant: o.tenants[0],
  owner: o.owners[0],
  ledgerEntry: o.ledger[0],
  draft: o.drafts.l1,
  twoPerson: o.drafts.twoPerson,
  task: o.task,
  photo: o.photoSha256,
  corporatePolicy: o.policies.corporate,
  overridePolicy: o.policies.override,
  suggestion: o.suggestionId,
  hook: o.hookId,
  userEmail: o.users.admin.email,
});

/** Well-formed ids of the same shapes that no organisation has. */
const NOWHERE: Ids = {
  org: 'zulu-org',
  lease: 'zulu-L1',
  property: 'zulu-P1',
  tenant: 'zulu-T1',
  owner: 'zulu-OWN1',
  ledgerEntry: 'zulu-C1',
  draft: 'zulu-L1:1:late-notice:sms',
  twoPerson: 'zulu-L1:1:legal:letter',
  task: 'zulu-L1:1:call:task',
  photo: '0'.repeat(64),
  corporatePolicy: 'zulu-res',
  overridePolicy: 'zulu-p2',
  suggestion: 'sg_000000000000000000000000',
  hook: 'hook_0000000000000000',
  userEmail: 'admin@zulu.example',
};

interface Request {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** Sent without the caller's credentials (sign-in, sign-out). */
  anonymous?: boolean;
}

interface Case {
  /** Which of the target's ids the request names; null: no id of an organisation. */
  names: string | null;
  /**
   * What the caller gets (for the target's ids and for ids that exist nowhere alike); a
   * creation gives way to its idempotent repeat or a conflict when the table runs again.
   */
  status: number | number[];
  request(x: Ids, own: SeededOrg): Request;
}

const policyYaml = (id: string, propertyIds?: string[]) =>
  `id: ${id}
appliesTo: {kind: residential${propertyIds ? `, propertyIds: [${propertyIds.join(', ')}]` : ''}}
stages:
  - {id: late-notice, day: 5, actions: [{id: sms, type: message, channel: sms, template: late-notice}]}
`;

const hold = (over: Record<string, string>) => [
  { type: 'hold', hold: 'hardship', date: TODAY, until: '2026-10-30', ...over },
];

/** Every operation of the OpenAPI document: how to aim it at another organisation. */
const TABLE: Record<string, Case[]> = {
  'GET /api/v1/audit': [
    {
      names: 'lease (audit subject)',
      status: 200,
      request: (x) => ({ url: `/api/v1/audit?subject=lease:${x.lease}` }),
    },
  ],
  'GET /api/v1/audit/verify': [
    { names: null, status: 200, request: () => ({ url: '/api/v1/audit/verify' }) },
  ],
  'GET /api/v1/cases': [{ names: null, status: 200, request: () => ({ url: '/api/v1/cases' }) }],
  'GET /api/v1/cases/{leaseId}': [
    { names: 'lease', status: 404, request: (x) => ({ url: `/api/v1/cases/${x.lease}` }) },
  ],
  'GET /api/v1/changes': [
    { names: null, status: 200, request: () => ({ url: '/api/v1/changes' }) },
  ],
  'GET /api/v1/connectors': [
    { names: null, status: 200, request: () => ({ url: '/api/v1/connectors' }) },
  ],
  // A connector id names a shipped integration, not anything an organisation owns.
  'POST /api/v1/connectors/{id}/test': [
    {
      names: null,
      status: 400,
      request: () => ({ method: 'POST', url: '/api/v1/connectors/twilio/test' }),
    },
  ],
  'GET /api/v1/demo': [{ names: null, status: 200, request: () => ({ url: '/api/v1/demo' }) }],
  'POST /api/v1/demo/advance': [
    {
      names: null,
      status: 200,
      request: () => ({ method: 'POST', url: '/api/v1/demo/advance', payload: { days: 1 } }),
    },
  ],
  'POST /api/v1/events': [
    {
      names: 'lease',
      status: 400,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/events',
        payload: hold({ leaseId: x.lease }),
      }),
    },
    {
      names: 'property',
      status: 400,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/events',
        payload: hold({ propertyId: x.property, scope: 'property' }),
      }),
    },
    // An event naming a tenant id this organisation does not have is refused, for the
    // other's tenant as for a made-up one.
    {
      names: 'tenant',
      status: 400,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/events',
        payload: hold({ tenantId: x.tenant, scope: 'tenant' }),
      }),
    },
    {
      names: 'draft (approve event)',
      status: 400,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/events',
        payload: [{ type: 'approve', key: x.draft, leaseId: x.lease, date: TODAY }],
      }),
    },
  ],
  'GET /api/v1/exceptions': [
    { names: null, status: 200, request: () => ({ url: '/api/v1/exceptions' }) },
  ],
  'GET /api/v1/holds': [
    { names: 'lease', status: 404, request: (x) => ({ url: `/api/v1/holds?leaseId=${x.lease}` }) },
  ],
  'POST /api/v1/hooks': [
    {
      names: null,
      status: 201,
      request: () => ({
        method: 'POST',
        url: '/api/v1/hooks',
        payload: {
          target_url: 'https://hooks.zapier.com/hooks/catch/alpha/2/',
          event: 'case.closed',
        },
      }),
    },
  ],
  'DELETE /api/v1/hooks/{id}': [
    {
      names: 'hook',
      status: 404,
      request: (x) => ({ method: 'DELETE', url: `/api/v1/hooks/${x.hook}` }),
    },
  ],
  'GET /api/v1/hooks/sample': [
    {
      names: null,
      status: 200,
      request: () => ({ url: '/api/v1/hooks/sample?event=case.opened' }),
    },
  ],
  'GET /api/v1/leases': [
    {
      names: 'property (filter)',
      status: 200,
      request: (x) => ({ url: `/api/v1/leases?propertyId=${x.property}` }),
    },
  ],
  'GET /api/v1/leases/{leaseId}': [
    { names: 'lease', status: 404, request: (x) => ({ url: `/api/v1/leases/${x.lease}` }) },
  ],
  'GET /api/v1/leases/{leaseId}/ledger': [
    { names: 'lease', status: 404, request: (x) => ({ url: `/api/v1/leases/${x.lease}/ledger` }) },
  ],
  'POST /api/v1/leases/{leaseId}/payments': [
    {
      names: 'lease',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/leases/${x.lease}/payments`,
        payload: { amountCents: 100, date: TODAY, id: 'pay-guess' },
      }),
    },
    // Ledger ids are per organisation: the other's entry id is a new id here.
    {
      names: 'ledger entry (as a payment id)',
      status: [201, 200],
      request: (x, own) => ({
        method: 'POST',
        url: `/api/v1/leases/${own.leases[1]}/payments`,
        payload: { amountCents: 100, date: TODAY, id: `${x.ledgerEntry}` },
      }),
    },
  ],
  'GET /api/v1/me': [{ names: null, status: 200, request: () => ({ url: '/api/v1/me' }) }],
  'GET /api/v1/openapi.json': [
    { names: null, status: 200, request: () => ({ url: '/api/v1/openapi.json' }) },
  ],
  'GET /api/v1/outbox': [
    {
      names: 'lease (filter)',
      status: 200,
      request: (x) => ({ url: `/api/v1/outbox?leaseId=${x.lease}` }),
    },
  ],
  'GET /api/v1/policies': [
    { names: null, status: 200, request: () => ({ url: '/api/v1/policies' }) },
  ],
  // An override of the other's property is stored here, and governs nothing here.
  'POST /api/v1/policies': [
    {
      names: 'property',
      status: 201,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/policies',
        payload: { source: policyYaml(`alpha-over-${x.property}`, [x.property]) },
      }),
    },
  ],
  'GET /api/v1/policies/{id}': [
    {
      names: 'corporate policy',
      status: 404,
      request: (x) => ({ url: `/api/v1/policies/${x.corporatePolicy}` }),
    },
    {
      names: 'override policy',
      status: 404,
      request: (x) => ({ url: `/api/v1/policies/${x.overridePolicy}` }),
    },
  ],
  'GET /api/v1/policies/{id}/versions': [
    {
      names: 'corporate policy',
      status: 404,
      request: (x) => ({ url: `/api/v1/policies/${x.corporatePolicy}/versions` }),
    },
  ],
  'POST /api/v1/policies/dry-run': [
    {
      names: 'policy id',
      status: 200,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/policies/dry-run',
        payload: { source: policyYaml(x.corporatePolicy) },
      }),
    },
  ],
  'POST /api/v1/policies/preview': [
    {
      names: 'lease',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/policies/preview',
        payload: { source: policyYaml('alpha-preview'), leaseId: x.lease },
      }),
    },
  ],
  'POST /api/v1/policies/validate': [
    {
      names: null,
      status: 200,
      request: () => ({
        method: 'POST',
        url: '/api/v1/policies/validate',
        payload: { source: policyYaml('alpha-check') },
      }),
    },
  ],
  'GET /api/v1/queue': [
    {
      names: 'property (filter)',
      status: 200,
      request: (x) => ({ url: `/api/v1/queue?propertyId=${x.property}` }),
    },
  ],
  'PATCH /api/v1/queue/{key}': [
    {
      names: 'draft',
      status: 404,
      request: (x) => ({
        method: 'PATCH',
        url: `/api/v1/queue/${encodeURIComponent(x.draft)}`,
        payload: { body: 'Pay now or else', version: 1 },
      }),
    },
  ],
  'POST /api/v1/queue/{key}/approve': [
    {
      names: 'draft',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/queue/${encodeURIComponent(x.draft)}/approve`,
      }),
    },
    {
      names: 'two-person draft',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/queue/${encodeURIComponent(x.twoPerson)}/approve`,
        payload: { version: 1 },
      }),
    },
  ],
  'POST /api/v1/queue/{key}/reject': [
    {
      names: 'draft',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/queue/${encodeURIComponent(x.draft)}/reject`,
        payload: { reason: 'guessing' },
      }),
    },
  ],
  'POST /api/v1/queue/approve': [
    {
      names: 'draft (bulk)',
      status: 400,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/queue/approve',
        payload: { keys: [x.draft, x.twoPerson] },
      }),
    },
    {
      names: 'property (bulk filter)',
      status: 200,
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/queue/approve',
        payload: { propertyId: x.property },
      }),
    },
  ],
  'GET /api/v1/replies': [
    {
      names: 'lease (filter)',
      status: 200,
      request: (x) => ({ url: `/api/v1/replies?leaseId=${x.lease}` }),
    },
  ],
  'GET /api/v1/reports/{name}': [
    {
      names: 'owner',
      status: 200,
      request: (x) => ({ url: `/api/v1/reports/owner?owner=${x.owner}&at=${TODAY}` }),
    },
    {
      names: 'owner (CSV)',
      status: 200,
      request: (x) => ({ url: `/api/v1/reports/owner?owner=${x.owner}&at=${TODAY}&format=csv` }),
    },
  ],
  'DELETE /api/v1/session': [
    {
      names: null,
      status: 204,
      request: () => ({ method: 'DELETE', url: '/api/v1/session', anonymous: true }),
    },
  ],
  'GET /api/v1/session': [
    {
      names: null,
      status: 200,
      request: (_x, own) => ({
        url: '/api/v1/session',
        anonymous: true,
        headers: { cookie: `${SESSION_COOKIE}=${own.session.token}` },
      }),
    },
  ],
  // The caller's own e-mail and password, aimed at the other organisation.
  'POST /api/v1/session': [
    {
      names: 'organisation',
      status: 401,
      request: (x, own) => ({
        method: 'POST',
        url: '/api/v1/session',
        anonymous: true,
        payload: { email: own.users.admin.email, password: PASSWORD, organisation: x.org },
      }),
    },
  ],
  'GET /api/v1/suggestions': [
    {
      names: 'lease (filter)',
      status: 200,
      request: (x) => ({ url: `/api/v1/suggestions?status=all&leaseId=${x.lease}` }),
    },
  ],
  'POST /api/v1/suggestions/{id}/confirm': [
    {
      names: 'suggestion',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/suggestions/${x.suggestion}/confirm`,
        payload: { until: '2026-10-16' },
      }),
    },
  ],
  'POST /api/v1/suggestions/{id}/dismiss': [
    {
      names: 'suggestion',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/suggestions/${x.suggestion}/dismiss`,
        payload: { reason: 'guessing' },
      }),
    },
  ],
  'GET /api/v1/tasks': [
    {
      names: 'user (assignee filter)',
      status: 200,
      request: (x) => ({ url: `/api/v1/tasks?assignee=${encodeURIComponent(x.userEmail)}` }),
    },
  ],
  'POST /api/v1/tasks/{key}/complete': [
    {
      names: 'task',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/tasks/${encodeURIComponent(x.task)}/complete`,
        payload: { note: 'done' },
      }),
    },
  ],
  'GET /api/v1/tasks/{key}/photos': [
    {
      names: 'task',
      status: 404,
      request: (x) => ({ url: `/api/v1/tasks/${encodeURIComponent(x.task)}/photos` }),
    },
  ],
  'POST /api/v1/tasks/{key}/photos': [
    {
      names: 'task',
      status: 404,
      request: (x) => ({
        method: 'POST',
        url: `/api/v1/tasks/${encodeURIComponent(x.task)}/photos`,
        headers: { 'content-type': 'image/png' },
        payload: Buffer.from('89504e470d0a1a0a', 'hex'),
      }),
    },
  ],
  'GET /api/v1/tasks/{key}/photos/{sha256}': [
    {
      names: 'task and photo',
      status: 404,
      request: (x) => ({ url: `/api/v1/tasks/${encodeURIComponent(x.task)}/photos/${x.photo}` }),
    },
    // The other's photo by its sha256 through one's own task: documents are shared by content, not by right.
    {
      names: 'photo (through an own task)',
      status: 404,
      request: (x, own) => ({
        url: `/api/v1/tasks/${encodeURIComponent(own.task)}/photos/${x.photo}`,
      }),
    },
  ],
  'GET /api/v1/users': [{ names: null, status: 200, request: () => ({ url: '/api/v1/users' }) }],
  // E-mails are unique per organisation: the other's admin's address is a new user here.
  'POST /api/v1/users': [
    {
      names: 'user e-mail',
      status: [201, 409],
      request: (x) => ({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: x.userEmail, role: 'auditor' },
      }),
    },
  ],
  'GET /api/v1/workflows': [
    {
      names: 'lease',
      status: 404,
      request: (x) => ({ url: `/api/v1/workflows?leaseId=${x.lease}` }),
    },
  ],
  // Outside /api/v1: no organisation's data, no caller.
  'GET /healthz': [
    { names: null, status: 200, request: () => ({ url: '/healthz', anonymous: true }) },
  ],
  'GET /readyz': [
    { names: null, status: 200, request: () => ({ url: '/readyz', anonymous: true }) },
  ],
  'GET /metrics': [
    { names: null, status: 200, request: () => ({ url: '/metrics', anonymous: true }) },
  ],
  'GET /webhooks/{connector}': [
    { names: null, status: 404, request: () => ({ url: '/webhooks/twilio', anonymous: true }) },
  ],
  'POST /webhooks/{connector}': [
    {
      names: null,
      status: 503,
      request: () => ({
        method: 'POST',
        url: '/webhooks/sandbox-sms',
        anonymous: true,
        payload: { from: '+14155550101', text: 'hi' },
      }),
    },
  ],
};

/** The answer with the ids of `x` written as their names, and no request id. */
function normalised(body: string, x: Ids): string {
  let text = body
    .replace(/"requestId":"[^"]*"/g, '"requestId":"…"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  const pairs = Object.entries(x).sort((a, b) => b[1].length - a[1].length);
  for (const [name, value] of pairs) {
    text = text.split(value).join(`<${name}>`);
    text = text.split(encodeURIComponent(value)).join(`<${name}>`);
  }
  return text;
}

interface Caller {
  via: string;
  headers(method: string): Record<string, string>;
}

forEachDialect('organisations cannot reach each other by id', (h) => {
  let db: Db;
  let alpha: SeededOrg;
  let bravo: SeededOrg;
  let app: FastifyInstance;
  let operations: Operation[];

  beforeAll(async () => {
    db = await h.openMigrated();
    const clock = fixedClock(NOW);
    alpha = await seedOrganisation(db, clock, 'alpha', 1);
    bravo = await seedOrganisation(db, clock, 'bravo', 2);
    app = await serveApp(runtimeFor(db, alpha.orgId));
    operations = await operationsOf(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('the table covers every operation of the OpenAPI document, and only those', () => {
    const documented = operations.map((o) => o.name).sort();
    expect(Object.keys(TABLE).sort()).toEqual(documented);
    // A route with an id among its path parameters must say which id it aims at.
    for (const o of operations)
      if (o.parameters.some((p) => p.in === 'path' && /id$|key$|sha256$/i.test(p.name)))
        expect(
          TABLE[o.name]!.some((c) => c.names !== null) || o.name.includes('/connectors/'),
          o.name,
        ).toBe(true);
  });

  it("every route answers another organisation's ids exactly like ids that do not exist, and changes nothing of it", async () => {
    const shas = [bravo.photoSha256, bravo.noticeSha256];
    const before = await orgSnapshot(db, bravo.orgId, shas);
    const callers: Caller[] = [
      { via: 'API token', headers: () => ({ authorization: `Bearer ${alpha.users.admin.token}` }) },
      {
        via: 'dashboard session',
        headers: (method) => ({
          cookie: `${SESSION_COOKIE}=${alpha.session.token}`,
          ...(method === 'GET' ? {} : { 'x-csrf-token': alpha.session.csrfToken }),
        }),
      },
    ];
    const target = idsOf(bravo);
    const problems: string[] = [];
    for (const caller of callers)
      for (const [name, cases] of Object.entries(TABLE))
        for (const c of cases) {
          const send = async (x: Ids) => {
            const r = c.request(x, alpha);
            const method = r.method ?? 'GET';
            const res = await app.inject({
              method,
              url: r.url,
              headers: { ...(r.anonymous ? {} : caller.headers(method)), ...r.headers },
              ...(r.payload !== undefined
                ? {
                    payload: Buffer.isBuffer(r.payload)
                      ? r.payload
                      : (r.payload as Record<string, unknown>),
                  }
                : {}),
            });
            return { status: res.statusCode, body: res.body };
          };
          const label = `${caller.via}: ${name} (${c.names ?? 'no id'})`;
          const real = await send(target);
          if (![c.status].flat().includes(real.status))
            problems.push(`${label}: ${real.status} ${real.body.slice(0, 300)}`);
          // Nothing of the other organisation but the ids the caller itself sent.
          const shown = normalised(real.body, target);
          if (/bravo/i.test(shown)) problems.push(`${label} leaks: ${shown.slice(0, 300)}`);
          if (c.names === null) continue;
          // Aimed right: the same read with the caller's own ids finds its own data.
          if (c.status === 404 && (c.request(target, alpha).method ?? 'GET') === 'GET') {
            const own = await send(idsOf(alpha));
            if (own.status !== 200) problems.push(`${label} misses its own: ${own.status}`);
          }
          const nowhere = await send(NOWHERE);
          const a = `${real.status} ${shown}`;
          const b = `${nowhere.status} ${normalised(nowhere.body, NOWHERE)}`;
          if (a !== b) problems.push(`${label} answers unlike a missing id:\n  ${a}\n  ${b}`);
        }
    expect(problems).toEqual([]);
    expect(snapshotDiff(before, await orgSnapshot(db, bravo.orgId, shas))).toEqual({});
  });

  it("an organisation's CLI can neither issue nor revoke the other's API tokens", async () => {
    const before = await orgSnapshot(db, bravo.orgId);
    const cli = (...argv: string[]) =>
      runCli([...argv, '--db', h.url], workDir('arrears-orgs-').dir, { ARREARS_ORG: alpha.orgId });
    // (Not the admin's address: the table above added a user of that e-mail to Alpha.)
    const issue = await cli('user', 'token', bravo.users.manager.email);
    expect(issue.code).toBe(2);
    expect(issue.out).toBe('');
    for (const revoke of [bravo.users.admin.tokenSha256, bravo.users.admin.token]) {
      const r = await cli('user', 'token', alpha.users.admin.email, '--revoke', revoke);
      expect(r.code).not.toBe(0);
    }
    expect(snapshotDiff(before, await orgSnapshot(db, bravo.orgId))).toEqual({});
    const still = await app.inject({
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${bravo.users.admin.token}` },
    });
    expect(still.json()).toMatchObject({ orgId: bravo.orgId, role: 'admin' });
  });
});
