/**
 * Role escalation (SPEC 10 roles; docs/security.md): what each role may change, held as an
 * explicit table and tried against every mutating operation of the server's OpenAPI
 * document with every role's API token and dashboard session. A forbidden call answers
 * 403 and changes no row of the organisation; an allowed one gets past the role check
 * (whatever the resource then says: 200, 404 for another property, 409 for a draft
 * already decided …). A mutating route added without a row fails the first test.
 *
 * Then the escalations people try: a clerk (the `collections` role) or an owner creating
 * users or API tokens, a user raising their own role, a manager applying a corporate policy
 * or another property's override, a second approval by the same user on a two-person
 * item, an owner approving, and a change made with the session cookie but without its
 * CSRF token.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/app/ports/auth.js';
import { REPORT_NAMES } from '../../src/app/run-reports.js';
import { fixedClock, systemClock } from '../../src/app/ports/clock.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { newItem } from '../../src/outbox/testing.js';
import type { Db } from '../../src/storage/database.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { createSessionsRepo } from '../../src/storage/repos/sessions-repo.js';
import { runCli, workDir } from '../support/cli.js';
import { forEachDialect } from '../support/databases.js';
import {
  bearer,
  EVERYONE,
  NOW,
  operationsOf,
  orgSnapshot,
  runtimeFor,
  seedOrganisation,
  serveApp,
  snapshotDiff,
  TODAY,
  type SeededOrg,
  type Who,
} from './two-organisations.js';

const STAFF: readonly Role[] = ['admin', 'manager', 'collections', 'legal', 'finance'];

/**
 * Who may call each mutating operation (admins always may; `owner` and `auditor` are
 * read-only). `public`: not behind a role — signing in and out, and providers' webhooks,
 * which prove themselves by password, session cookie + CSRF token, or signature.
 */
const MAY: Record<string, readonly Role[] | 'public'> = {
  'POST /api/v1/connectors/{id}/test': ['admin'],
  'POST /api/v1/demo/advance': ['admin', 'manager', 'collections'],
  'POST /api/v1/events': STAFF,
  'POST /api/v1/hooks': ['admin', 'manager'],
  'DELETE /api/v1/hooks/{id}': ['admin', 'manager'],
  'POST /api/v1/leases/{leaseId}/payments': ['admin', 'manager', 'collections', 'finance'],
  'POST /api/v1/policies': ['admin', 'manager'],
  'POST /api/v1/policies/dry-run': ['admin', 'manager'],
  'POST /api/v1/policies/preview': STAFF,
  'POST /api/v1/policies/validate': STAFF,
  'PATCH /api/v1/queue/{key}': STAFF,
  'POST /api/v1/queue/{key}/approve': STAFF,
  'POST /api/v1/queue/{key}/reject': STAFF,
  'POST /api/v1/queue/approve': STAFF,
  'POST /api/v1/suggestions/{id}/confirm': STAFF,
  'POST /api/v1/suggestions/{id}/dismiss': STAFF,
  'POST /api/v1/tasks/{key}/complete': STAFF,
  'POST /api/v1/tasks/{key}/photos': STAFF,
  'POST /api/v1/users': ['admin'],
  'POST /api/v1/session': 'public',
  'DELETE /api/v1/session': 'public',
  'POST /webhooks/{connector}': 'public',
};

interface Request {
  method: 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

const override = (id: string, propertyIds: string[]) =>
  `id: ${id}
appliesTo: {kind: residential, propertyIds: [${propertyIds.join(', ')}]}
stages:
  - {id: late-notice, day: 5, actions: [{id: sms, type: message, channel: sms, template: late-notice}]}
`;
const corporate = (id: string) =>
  `id: ${id}
appliesTo: {kind: residential}
stages:
  - {id: late-notice, day: 4, actions: [{id: sms, type: message, channel: sms, template: late-notice}]}
`;

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const key = (k: string) => encodeURIComponent(k);

/** A request each role-gated operation accepts from an allowed role, on the seeded data. */
const REQUESTS: Record<string, (o: SeededOrg, who: Who) => Request> = {
  'POST /api/v1/connectors/{id}/test': () => ({
    method: 'POST',
    url: '/api/v1/connectors/twilio/test',
  }),
  'POST /api/v1/demo/advance': () => ({
    method: 'POST',
    url: '/api/v1/demo/advance',
    payload: { days: 1 },
  }),
  'POST /api/v1/events': (o) => ({
    method: 'POST',
    url: '/api/v1/events',
    payload: [{ type: 'hold', hold: 'hardship', leaseId: o.leases[0], date: TODAY }],
  }),
  'POST /api/v1/hooks': (o, who) => ({
    method: 'POST',
    url: '/api/v1/hooks',
    payload: {
      target_url: `https://hooks.zapier.com/hooks/catch/${o.prefix}/${who}/`,
      event: 'case.opened',
    },
  }),
  'DELETE /api/v1/hooks/{id}': (o) => ({ method: 'DELETE', url: `/api/v1/hooks/${o.hookId}` }),
  'POST /api/v1/leases/{leaseId}/payments': (o, who) => ({
    method: 'POST',
    url: `/api/v1/leases/${o.leases[0]}/payments`,
    payload: { amountCents: 100, date: TODAY, id: `pay-${who}` },
  }),
  'POST /api/v1/policies': (o, who) => ({
    method: 'POST',
    url: '/api/v1/policies',
    payload: { source: override(`${o.prefix}-p1-${who}`, [o.properties[0]]) },
  }),
  'POST /api/v1/policies/dry-run': (o, who) => ({
    method: 'POST',
    url: '/api/v1/policies/dry-run',
    payload: { source: override(`${o.prefix}-p1-${who}`, [o.properties[0]]) },
  }),
  'POST /api/v1/policies/preview': (o) => ({
    method: 'POST',
    url: '/api/v1/policies/preview',
    payload: { source: corporate(o.policies.corporate), leaseId: o.leases[0] },
  }),
  'POST /api/v1/policies/validate': (o) => ({
    method: 'POST',
    url: '/api/v1/policies/validate',
    payload: { source: corporate(o.policies.corporate) },
  }),
  'PATCH /api/v1/queue/{key}': (o) => ({
    method: 'PATCH',
    url: `/api/v1/queue/${key(o.drafts.l1)}`,
    payload: { body: 'Your rent is late; please pay today.', version: 1 },
  }),
  'POST /api/v1/queue/{key}/approve': (o) => ({
    method: 'POST',
    url: `/api/v1/queue/${key(o.drafts.l1)}/approve`,
  }),
  'POST /api/v1/queue/{key}/reject': (o) => ({
    method: 'POST',
    url: `/api/v1/queue/${key(o.drafts.l2)}/reject`,
    payload: { reason: 'tenant called: paying today' },
  }),
  'POST /api/v1/queue/approve': (o) => ({
    method: 'POST',
    url: '/api/v1/queue/approve',
    payload: { keys: [o.drafts.twoPerson] },
  }),
  'POST /api/v1/suggestions/{id}/confirm': (o) => ({
    method: 'POST',
    url: `/api/v1/suggestions/${o.suggestionId}/confirm`,
    payload: { until: '2026-10-16' },
  }),
  'POST /api/v1/suggestions/{id}/dismiss': (o) => ({
    method: 'POST',
    url: `/api/v1/suggestions/${o.suggestionId}/dismiss`,
    payload: { reason: 'not a promise' },
  }),
  'POST /api/v1/tasks/{key}/complete': (o) => ({
    method: 'POST',
    url: `/api/v1/tasks/${key(o.task)}/complete`,
    payload: { note: 'called, no answer' },
  }),
  'POST /api/v1/tasks/{key}/photos': (o) => ({
    method: 'POST',
    url: `/api/v1/tasks/${key(o.task)}/photos`,
    headers: { 'content-type': 'image/png' },
    payload: PNG,
  }),
  'POST /api/v1/users': (o, who) => ({
    method: 'POST',
    url: '/api/v1/users',
    payload: { email: `new-by-${who.toLowerCase()}@${o.prefix}.example`, role: 'admin' },
  }),
};

interface Credential {
  via: string;
  headers(who: Who, method: string): Record<string, string>;
}

forEachDialect('roles cannot be escalated', (h) => {
  let db: Db;
  let o: SeededOrg;
  let app: FastifyInstance;
  const sessions = {} as Record<Who, { token: string; csrfToken: string }>;
  const credentials: Credential[] = [
    { via: 'API token', headers: (who) => bearer(o.users[who]) },
    {
      via: 'session',
      headers: (who, method) => ({
        cookie: `${SESSION_COOKIE}=${sessions[who].token}`,
        ...(method === 'GET' ? {} : { 'x-csrf-token': sessions[who].csrfToken }),
      }),
    },
  ];
  const snapshot = () => orgSnapshot(db, o.orgId, [o.photoSha256, o.noticeSha256]);
  const send = (r: Request, headers: Record<string, string>) =>
    app.inject({
      method: r.method,
      url: r.url,
      headers: { ...headers, ...r.headers },
      ...(r.payload !== undefined
        ? {
            payload: Buffer.isBuffer(r.payload)
              ? r.payload
              : (r.payload as Record<string, unknown>),
          }
        : {}),
    });
  const cwd = workDir('arrears-roles-').dir;
  const cli = (...argv: string[]) =>
    runCli([...argv, '--db', h.url], cwd, { ARREARS_ORG: o.orgId });
  /** A fresh draft of lease L1 needing `approvals`, as the scan plans one. */
  const draft = async (name: string, approvals: 1 | 2) => {
    const k = `${o.leases[0]}:1:${name}:sms`;
    const outbox = createOutboxRepo(db, fixedClock(NOW));
    await db.transaction((trx) =>
      outbox.insertItems(
        trx,
        o.orgId,
        [
          newItem(k, {
            leaseId: o.leases[0],
            stage: name,
            contactId: o.tenants[0],
            dueAt: new Date(NOW).toISOString(),
            policyId: o.policies.corporate,
            policyVersion: 1,
            approvalsRequired: approvals,
          }),
        ],
        'system:scan',
      ),
    );
    return k;
  };
  const approvalsOf = async (k: string) =>
    (
      await db.kysely
        .selectFrom('approvals')
        .select(['user_id'])
        .where('org_id', '=', o.orgId)
        .where('key', '=', k)
        .execute()
    ).map((r) => r.user_id);
  const statusOf = async (k: string) =>
    (
      await db.kysely
        .selectFrom('outbox')
        .select('status')
        .where('org_id', '=', o.orgId)
        .where('key', '=', k)
        .executeTakeFirstOrThrow()
    ).status;

  beforeAll(async () => {
    db = await h.openMigrated();
    o = await seedOrganisation(db, fixedClock(NOW), 'alpha', 1);
    const store = createSessionsRepo(db, systemClock);
    for (const who of EVERYONE)
      sessions[who] = await store.create(o.orgId, o.users[who].id, 3_600_000);
    app = await serveApp(runtimeFor(db, o.orgId));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('the permission table names every role and every mutating operation of the OpenAPI document', async () => {
    const mutating = (await operationsOf(app))
      .filter((op) => op.method !== 'GET')
      .map((op) => op.name)
      .sort();
    expect(Object.keys(MAY).sort()).toEqual(mutating);
    for (const [name, roles] of Object.entries(MAY)) {
      if (roles === 'public') continue;
      expect(REQUESTS[name], name).toBeDefined();
      for (const r of roles) expect(ROLES, name).toContain(r);
    }
    // Read-only roles change nothing.
    for (const roles of Object.values(MAY)) {
      if (roles === 'public') continue;
      expect(roles).not.toContain('owner');
      expect(roles).not.toContain('auditor');
    }
  });

  it('every role is refused (403, nothing changed) wherever the table forbids it, and passes wherever it allows', async () => {
    const before = await snapshot();
    const refused: string[] = [];
    const guarded = Object.entries(MAY).filter(
      (e): e is [string, readonly Role[]] => e[1] !== 'public',
    );
    for (const c of credentials)
      for (const [name, roles] of guarded)
        for (const who of EVERYONE) {
          if (roles.includes(o.users[who].role)) continue;
          const r = REQUESTS[name]!(o, who);
          const res = await send(r, c.headers(who, r.method));
          if (res.statusCode !== 403)
            refused.push(`${c.via} ${who} ${name}: ${res.statusCode} ${res.body}`);
        }
    expect(refused).toEqual([]);
    expect(snapshotDiff(before, await snapshot())).toEqual({});

    const passed: string[] = [];
    for (const [name, roles] of guarded)
      for (const who of EVERYONE) {
        if (!roles.includes(o.users[who].role)) continue;
        const r = REQUESTS[name]!(o, who);
        const res = await send(r, credentials[0]!.headers(who, r.method));
        if (res.statusCode === 401 || res.statusCode === 403)
          passed.push(`${who} ${name}: ${res.statusCode} ${res.body}`);
      }
    expect(passed).toEqual([]);
  });

  describe('the escalations people try', () => {
    it('a clerk or an owner cannot create users, nor API tokens for anyone but themselves', async () => {
      const users = await snapshot();
      for (const who of ['collections', 'owner'] as const)
        for (const c of credentials) {
          const r = REQUESTS['POST /api/v1/users']!(o, who);
          expect((await send(r, c.headers(who, 'POST'))).statusCode, `${c.via} ${who}`).toBe(403);
        }
      for (const who of ['collections', 'owner']) {
        const r = await cli(
          'user',
          'token',
          o.users.admin.email,
          '--as',
          o.users[who as Who].email,
        );
        expect(r.code, r.err).not.toBe(0);
        expect(r.err).toContain('may manage only their own API tokens');
        expect(r.out).not.toContain('arr_');
        const revoke = await cli(
          'user',
          'token',
          o.users.admin.email,
          '--revoke',
          o.users.admin.tokenSha256,
          '--as',
          o.users[who as Who].email,
        );
        expect(revoke.code).not.toBe(0);
      }
      expect(snapshotDiff(users, await snapshot())).toEqual({});
      expect(
        (await app.inject({ url: '/api/v1/me', headers: bearer(o.users.admin) })).statusCode,
      ).toBe(200);

      // Their own token acts with their own role: an owner's stays read-only.
      const own = await cli(
        'user',
        'token',
        o.users.owner.email,
        '--as',
        o.users.owner.email,
        '--json',
      );
      expect(own.code, own.err).toBe(0);
      const { token, user } = JSON.parse(own.out) as { token: string; user: { role: string } };
      expect(user.role).toBe('owner');
      const tryIt = await send(REQUESTS['POST /api/v1/users']!(o, 'owner'), {
        authorization: `Bearer ${token}`,
      });
      expect(tryIt.statusCode).toBe(403);
      expect(tryIt.json().detail).toContain('read-only');
    });

    it('a user cannot raise their own role: no route changes one, and adding an existing e-mail is a conflict', async () => {
      const before = await snapshot();
      const self = { email: o.users.manager.email, role: 'admin' };
      const asManager = await send(
        { method: 'POST', url: '/api/v1/users', payload: self },
        bearer(o.users.manager),
      );
      expect(asManager.statusCode).toBe(403);
      // Not even an admin turns an existing user into another role by adding them again.
      const asAdmin = await send(
        { method: 'POST', url: '/api/v1/users', payload: self },
        bearer(o.users.admin),
      );
      expect(asAdmin.statusCode).toBe(409);
      for (const method of ['PATCH', 'PUT'] as const)
        for (const url of [
          `/api/v1/users/${o.users.manager.id}`,
          `/api/v1/users/${o.users.manager.id}/role`,
          `/api/v1/me`,
        ]) {
          const r = await send(
            { method, url, payload: { role: 'admin' } },
            bearer(o.users.manager),
          );
          expect(r.statusCode, `${method} ${url}`).toBe(404);
        }
      const cliAdd = await cli('user', 'add', o.users.manager.email, '--role', 'admin');
      expect(cliAdd.code).not.toBe(0);
      expect(cliAdd.err).toContain('already exists');
      const borrowed = await cli(
        'user',
        'token',
        o.users.admin.email,
        '--as',
        o.users.manager.email,
      );
      expect(borrowed.code).not.toBe(0);
      expect(snapshotDiff(before, await snapshot())).toEqual({});
      const me = await app.inject({ url: '/api/v1/me', headers: bearer(o.users.manager) });
      expect(me.json()).toMatchObject({ role: 'manager' });
    });

    it('a manager cannot apply a corporate policy, nor another property’s override', async () => {
      const before = await snapshot();
      const tries: [Who, string, string][] = [
        ['manager', 'a corporate policy', corporate(`${o.prefix}-corporate-2`)],
        [
          'manager',
          'a corporate policy’s id reused',
          override(o.policies.corporate, [o.properties[0]]),
        ],
        [
          'managerP1',
          'the other property’s override',
          override(`${o.prefix}-p2-mine`, [o.properties[1]]),
        ],
        [
          'managerP1',
          'an override of both properties',
          override(`${o.prefix}-both`, [...o.properties]),
        ],
        [
          'managerP1',
          'the other property’s override id reused',
          override(o.policies.override, [o.properties[0]]),
        ],
        ['collections', 'an override', override(`${o.prefix}-p1-clerk`, [o.properties[0]])],
      ];
      const allowed: string[] = [];
      for (const c of credentials)
        for (const [who, what, source] of tries) {
          const r = await send(
            { method: 'POST', url: '/api/v1/policies', payload: { source } },
            c.headers(who, 'POST'),
          );
          if (r.statusCode !== 403)
            allowed.push(`${c.via} ${who} ${what}: ${r.statusCode} ${r.body}`);
        }
      expect(allowed).toEqual([]);
      expect(snapshotDiff(before, await snapshot())).toEqual({});
      // What a limited manager may do: its own property's override.
      const mine = await send(
        {
          method: 'POST',
          url: '/api/v1/policies',
          payload: { source: override(`${o.prefix}-p1-mine`, [o.properties[0]]) },
        },
        bearer(o.users.managerP1),
      );
      expect(mine.statusCode).toBe(201);
    });

    it('a limited manager changes nothing of the other property, through its API token too', async () => {
      const p2Draft = o.drafts.l2;
      for (const c of credentials) {
        const approve = await send(
          { method: 'POST', url: `/api/v1/queue/${key(p2Draft)}/approve` },
          c.headers('managerP1', 'POST'),
        );
        expect(approve.statusCode, c.via).toBe(404);
        const lease = await app.inject({
          url: `/api/v1/leases/${o.leases[1]}`,
          headers: c.headers('managerP1', 'GET'),
        });
        expect(lease.statusCode, c.via).toBe(404);
        const hold = await send(
          {
            method: 'POST',
            url: '/api/v1/events',
            payload: [{ type: 'hold', hold: 'hardship', leaseId: o.leases[1], date: TODAY }],
          },
          c.headers('managerP1', 'POST'),
        );
        expect(hold.statusCode, c.via).toBe(400);
      }
    });

    it('an owner or a limited manager reads only its own property, in reports and workflows too', async () => {
      const other = [o.leases[1], 'Tenant 2', `2A ${o.mark}`];
      const seen: string[] = [];
      for (const who of ['owner', 'managerP1'] as const)
        for (const c of credentials) {
          const get = (url: string) => app.inject({ url, headers: c.headers(who, 'GET') });
          // Every report in both formats once (by token); by session the aging report below.
          for (const name of c === credentials[0] ? REPORT_NAMES : [])
            for (const format of ['json', 'csv']) {
              const r = await get(`/api/v1/reports/${name}?at=${TODAY}&format=${format}`);
              expect(r.statusCode, `${name} ${format}`).toBe(200);
              if (other.some((x) => r.body.includes(x)))
                seen.push(`${c.via} ${who} ${name} ${format}`);
            }
          const aging = await get(`/api/v1/reports/aging?at=${TODAY}`);
          expect(aging.json().rows.map((r: { leaseId: string }) => r.leaseId)).toEqual([
            o.leases[0],
          ]);
          const flows = await get('/api/v1/workflows');
          expect(flows.json().items.map((i: { leaseId: string }) => i.leaseId)).toEqual([
            o.leases[0],
          ]);
          expect((await get(`/api/v1/workflows?leaseId=${o.leases[1]}`)).statusCode).toBe(404);
          for (const url of ['/api/v1/leases', '/api/v1/cases', '/api/v1/outbox', '/api/v1/queue'])
            if (who !== 'owner' || url === '/api/v1/leases') {
              const r = await get(url);
              if (r.body.includes(o.leases[1])) seen.push(`${c.via} ${who} ${url}`);
            }
        }
      expect(seen).toEqual([]);
    });

    it('a two-person draft needs two different users: the same one twice is refused however they ask', async () => {
      const k = await draft('two-person', 2);
      const first = await send(
        { method: 'POST', url: `/api/v1/queue/${key(k)}/approve` },
        bearer(o.users.manager),
      );
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ approved: [], pending: [{ key: k }] });
      for (const c of credentials) {
        const again = await send(
          { method: 'POST', url: `/api/v1/queue/${key(k)}/approve` },
          c.headers('manager', 'POST'),
        );
        expect(again.statusCode, c.via).toBe(409);
        expect(again.json().detail).toContain('already approved');
        const bulk = await send(
          { method: 'POST', url: '/api/v1/queue/approve', payload: { keys: [k] } },
          c.headers('manager', 'POST'),
        );
        expect(bulk.statusCode).toBe(200);
        expect(bulk.json().approved).toEqual([]);
      }
      const viaCli = await cli('approve', k, '--as', o.users.manager.email);
      expect(viaCli.code).not.toBe(0);
      expect(await approvalsOf(k)).toEqual([o.users.manager.id]);
      expect(await statusOf(k)).toBe('draft');

      const second = await send(
        { method: 'POST', url: `/api/v1/queue/${key(k)}/approve` },
        bearer(o.users.collections),
      );
      expect(second.json()).toMatchObject({ approved: [{ key: k }] });
      expect(await statusOf(k)).toBe('approved');
    });

    it('an owner (or auditor) cannot approve, through the API or the CLI', async () => {
      const k = await draft('owner-try', 1);
      const before = await snapshot();
      for (const who of ['owner', 'auditor'] as const) {
        for (const c of credentials) {
          const r = await send(
            { method: 'POST', url: `/api/v1/queue/${key(k)}/approve` },
            c.headers(who, 'POST'),
          );
          expect(r.statusCode, `${c.via} ${who}`).toBe(403);
          expect(r.json().detail).toContain('read-only');
        }
        const viaCli = await cli('approve', k, '--as', o.users[who].email, '--json');
        expect(viaCli.code).not.toBe(0);
        expect(viaCli.out + viaCli.err).toMatch(/may not approve/);
      }
      expect(snapshotDiff(before, await snapshot())).toEqual({});
      expect(await statusOf(k)).toBe('draft');
    });

    it('a change made with the session cookie needs its CSRF token, on every mutating route', async () => {
      const before = await snapshot();
      const cookie = `${SESSION_COOKIE}=${sessions.admin.token}`;
      const withoutCsrf: string[] = [];
      const routes = Object.entries(MAY).filter(([, roles]) => roles !== 'public');
      for (const [name] of routes)
        for (const csrf of [undefined, 'not-the-token', `${sessions.admin.csrfToken}x`]) {
          const r = REQUESTS[name]!(o, 'admin');
          const res = await send(r, { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) });
          if (res.statusCode !== 403 || !res.body.includes('CSRF'))
            withoutCsrf.push(`${name} (${csrf ?? 'none'}): ${res.statusCode}`);
        }
      const signOut = await app.inject({
        method: 'DELETE',
        url: '/api/v1/session',
        headers: { cookie },
      });
      expect(signOut.statusCode).toBe(403);
      expect(withoutCsrf).toEqual([]);
      expect(snapshotDiff(before, await snapshot())).toEqual({});
      // The same request with the token goes through.
      const ok = await send(REQUESTS['POST /api/v1/policies/validate']!(o, 'admin'), {
        cookie,
        'x-csrf-token': sessions.admin.csrfToken,
      });
      expect(ok.statusCode).toBe(200);
    });
  });
});
