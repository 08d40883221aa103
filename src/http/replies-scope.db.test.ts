/**
 * Replies and suggestions are scoped by property like cases (SPEC 10 "every request is
 * scoped to the caller's organisation and properties"), through the server `arrears serve`
 * builds. Oak Court (P1) and Elm Row (P2) each have a tenant who texts a promise to pay;
 * Elm Row's tenant texts twice and an admin dismisses the second one; a stranger texts
 * too. Maya manages only Oak Court (`property_ids`), Colin is a clerk limited the same way,
 * Max manages everything.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dismissSuggestion } from '../app/confirm-suggestion.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import type { Role } from '../app/ports/auth.js';
import { fixedClock } from '../app/ports/clock.js';
import { receiveReply } from '../app/receive-reply.js';
import { inboundFor, storesFor } from '../main.js';
import type { Db } from '../storage/database.js';
import { issueApiToken } from '../storage/repos/api-tokens-repo.js';
import { createUsersRepo } from '../storage/repos/users-repo.js';
import { forEachDialect } from '../../test/support/databases.js';
import {
  NOW,
  orgSnapshot,
  runtimeFor,
  serveApp,
  snapshotDiff,
} from '../../test/security/two-organisations.js';

const ORG = 'default';
const TZ = 'America/Los_Angeles';
const clock = fixedClock(NOW);
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

const PORTFOLIO = {
  properties: [
    { id: 'P1', name: 'Oak Court', timezone: TZ, jurisdiction: 'US-CA', kind: 'residential' },
    { id: 'P2', name: 'Elm Row', timezone: TZ, jurisdiction: 'US-CA', kind: 'residential' },
  ],
  tenants: [
    { id: 'T1', name: 'Ana Ruiz', phone: '+14155550101', consent: { sms: true } },
    { id: 'T2', name: 'Ben Ode', phone: '+14155550102', consent: { sms: true } },
  ],
  leases: [1, 2].map((n) => ({
    id: `L${n}`,
    propertyId: `P${n}`,
    unit: `${n}A`,
    tenantIds: [`T${n}`],
    rentCents: 150000,
  })),
  ledger: [1, 2].map((n) => ({
    id: `C${n}`,
    leaseId: `L${n}`,
    date: '2026-10-01',
    type: 'charge',
    category: 'rent',
    amountCents: 150000,
    dueDate: '2026-10-01',
  })),
};

forEachDialect('replies and suggestions scoped by property', (h) => {
  let db: Db;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};
  /** Suggestion ids: Oak Court's, Elm Row's open one, Elm Row's dismissed one. */
  const sg = { p1: '', p2: '', p2Dismissed: '' };
  const replyIds: Record<string, string> = {};

  const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
  const get = (who: string, url: string) => app.inject({ url, headers: as(who) });
  const post = (who: string, url: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: as(who), payload });
  const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id).sort();

  beforeAll(async () => {
    db = await h.openMigrated();
    const stores = storesFor(db);
    await importJsonPortfolio(
      { clock, ...stores },
      {
        orgId: ORG,
        fileName: 'p.json',
        text: JSON.stringify(PORTFOLIO),
        format: 'json',
        actor: 'system:test',
      },
    );
    const users = createUsersRepo(db, clock);
    const people: [string, Role, string[] | null][] = [
      ['admin', 'admin', null],
      ['max', 'manager', null],
      ['maya', 'manager', ['P1']],
      ['colin', 'collections', ['P1']],
      ['olive', 'owner', null],
    ];
    for (const [name, role, propertyIds] of people) {
      const { user } = await users.addUser(ORG, `${name}@oak.example`, role, 'system:test');
      if (propertyIds) await users.setScope(ORG, user.id, { ownerId: null, propertyIds });
      tokens[name] = (
        await issueApiToken(db, { orgId: ORG, userId: user.id, at: new Date(NOW).toISOString() })
      ).token;
    }

    // Elm Row's tenant texts first, so a page of one reply read before filtering would
    // hold nothing of Oak Court's.
    const inbound = inboundFor(db, clock);
    const text = async (from: string, body: string, id: string, minutes: number) => {
      const r = await receiveReply(inbound, {
        orgId: ORG,
        channel: 'sms',
        from,
        text: body,
        provider: 'sandbox-sms',
        providerMessageId: id,
        receivedAt: minutesAgo(minutes),
      });
      replyIds[id] = r.replyId;
      return r.suggestions[0] ?? '';
    };
    sg.p2 = await text('+14155550102', 'I will pay $1500 on Friday', 'sms-ben-1', 30);
    sg.p2Dismissed = await text('+14155550102', 'I can pay $200 on Friday', 'sms-ben-2', 20);
    sg.p1 = await text('+14155550101', 'I will pay $1500 on Friday', 'sms-ana-1', 10);
    await text('+14155559999', 'who is this?', 'sms-stranger', 5);
    expect([sg.p1, sg.p2, sg.p2Dismissed].every((s) => s.startsWith('sg_'))).toBe(true);
    await dismissSuggestion(
      inbound,
      ORG,
      sg.p2Dismissed,
      { id: 'u-admin', email: 'admin@oak.example', role: 'admin' },
      'same promise twice',
    );

    app = await serveApp(runtimeFor(db, ORG));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a manager of every property lists every reply and suggestion', async () => {
    const replies = await get('max', '/api/v1/replies');
    expect(replies.statusCode).toBe(200);
    expect(ids(replies.json())).toEqual(Object.values(replyIds).sort());
    const suggestions = await get('max', '/api/v1/suggestions?status=all');
    expect(ids(suggestions.json())).toEqual([sg.p1, sg.p2, sg.p2Dismissed].sort());
  });

  it("a caller limited to Oak Court lists only Oak Court's, whatever the filter", async () => {
    for (const who of ['maya', 'colin']) {
      const replies = await get(who, '/api/v1/replies');
      expect(ids(replies.json()), who).toEqual([replyIds['sms-ana-1']]);
      expect(replies.body).not.toContain('L2');
      // The stranger's text belongs to no property: not on a limited caller's exception list.
      expect((await get(who, '/api/v1/replies?status=unmatched')).json().items).toEqual([]);
      expect((await get(who, '/api/v1/replies?leaseId=L2')).json().items).toEqual([]);

      for (const status of ['open', 'dismissed', 'all']) {
        const r = await get(who, `/api/v1/suggestions?status=${status}`);
        expect(ids(r.json()), `${who} ${status}`).toEqual(status === 'dismissed' ? [] : [sg.p1]);
      }
      expect((await get(who, '/api/v1/suggestions?leaseId=L2')).json().items).toEqual([]);
    }
  });

  it('pages are filtered before they are cut, so a first page is never empty for nothing', async () => {
    const replies = await get('maya', '/api/v1/replies?limit=1');
    expect(ids(replies.json())).toEqual([replyIds['sms-ana-1']]);
    expect(replies.json().nextCursor).toBeNull();
    const suggestions = await get('maya', '/api/v1/suggestions?status=all&limit=1');
    expect(ids(suggestions.json())).toEqual([sg.p1]);
    expect(suggestions.json().nextCursor).toBeNull();
  });

  it('owners still may not read tenant messages at all', async () => {
    expect((await get('olive', '/api/v1/replies')).statusCode).toBe(403);
    expect((await get('olive', '/api/v1/suggestions')).statusCode).toBe(403);
  });

  it("another property's suggestion is 404 like a missing one, open or decided, and nothing changes", async () => {
    const before = await orgSnapshot(db, ORG);
    const detailFor = (id: string, body: string) =>
      (JSON.parse(body) as { detail: string }).detail.split(id).join('<id>');
    const tries = [
      ['confirm', { until: '2026-10-16' }],
      ['dismiss', { reason: 'not mine to decide' }],
    ] as const;
    for (const who of ['maya', 'colin'])
      for (const [action, payload] of tries) {
        const missing = await post(who, `/api/v1/suggestions/sg_nowhere/${action}`, payload);
        expect(missing.statusCode).toBe(404);
        for (const id of [sg.p2, sg.p2Dismissed]) {
          const r = await post(who, `/api/v1/suggestions/${id}/${action}`, payload);
          expect(r.statusCode, `${who} ${action} ${id}`).toBe(404);
          expect(r.headers['content-type']).toContain('application/problem+json');
          expect(detailFor(id, r.body)).toBe(detailFor('sg_nowhere', missing.body));
        }
      }
    expect(snapshotDiff(before, await orgSnapshot(db, ORG))).toEqual({});
  });

  it("a limited manager decides its own property's suggestions", async () => {
    const r = await post('maya', `/api/v1/suggestions/${sg.p1}/confirm`, {});
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ id: sg.p1, status: 'confirmed', leaseId: 'L1' });
    // Elm Row's open suggestion is still open for the manager who may decide it.
    const open = await get('max', '/api/v1/suggestions');
    expect(ids(open.json())).toEqual([sg.p2]);
  });
});
