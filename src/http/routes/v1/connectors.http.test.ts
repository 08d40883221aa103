/**
 * Connector health over the API: the listing of `arrears connectors list --json` (never a
 * secret's value) and `connectors test` against a configured connector, through the two
 * functions `dashboardApiFor` hands the route (a real SQLite runtime and a fake webhook
 * receiver), plus roles: admins test, admins, managers and auditors list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
import { listConnectors } from '../../../connectors/registry.js';
import {
  startWebhookReceiver,
  type WebhookReceiverFake,
} from '../../../connectors/webhook/fake-server.js';
import { openRuntime, type Runtime } from '../../../main.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { provideConnectorsApi } from './connectors.js';
import { API_V1_ROUTES } from './index.js';

const principal = (role: Role): Principal => ({
  userId: `u-${role}`,
  email: `${role}@acme.example`,
  role,
  orgId: 'default',
  via: 'api_token',
});

const SECRET = 'whsec_do-not-leak-4711';
const TOKENS = Object.fromEntries(
  (['admin', 'manager', 'auditor', 'collections', 'owner'] as const).map((r) => [r, principal(r)]),
);

describe('connectors API', () => {
  let dir: string;
  let receiver: WebhookReceiverFake;
  let rt: Runtime;
  let app: FastifyInstance;
  const get = (url: string, token: string | null) =>
    app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const test = (id: string, token: string | null = 'admin') =>
    app.inject({
      method: 'POST',
      url: `/api/v1/connectors/${id}/test`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arrears-connectors-'));
    receiver = await startWebhookReceiver(SECRET);
    rt = await openRuntime({
      db: `sqlite:${join(dir, 'arrears.db')}`,
      cwd: dir,
      env: { ARREARS_WEBHOOK_SECRET: SECRET, ARREARS_WEBHOOK_BASE_URL: receiver.url },
    });
    app = await buildApp({
      ...fakeDeps().deps,
      auth: fakeAuth(TOKENS),
      apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES],
    });
  });
  afterAll(async () => {
    await app?.close();
    await rt?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every connector as the CLI does, without secret values', async () => {
    expect((await get('/api/v1/connectors', null)).statusCode).toBe(401);
    for (const token of ['collections', 'owner'])
      expect((await get('/api/v1/connectors', token)).statusCode, token).toBe(403);
    const r = await get('/api/v1/connectors', 'auditor');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ connectors: JSON.parse(JSON.stringify(listConnectors(rt.env))) });
    const webhook = r.json().connectors.find((c: { id: string }) => c.id === 'webhook');
    expect(webhook).toMatchObject({ configured: true, missing: [], baseUrl: receiver.url });
    expect(webhook.sources).toMatchObject({ SECRET: 'env' });
    expect(r.body).not.toContain(SECRET);
    expect((await get('/api/v1/connectors', 'manager')).statusCode).toBe(200);
  });

  it('tests a configured connector (admins only) and explains the others', async () => {
    for (const token of ['manager', 'auditor', 'owner'])
      expect((await test('webhook', token)).statusCode, token).toBe(403);
    expect((await test('webhook', null)).statusCode).toBe(401);

    const ok = await test('webhook');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      id: 'webhook',
      ok: true,
      detail: expect.stringContaining('200'),
    });
    expect(ok.body).not.toContain(SECRET);
    expect(receiver.requests.length).toBeGreaterThan(0);

    receiver.gone = true;
    const down = await test('webhook');
    expect(down.statusCode).toBe(200);
    expect(down.json()).toMatchObject({ ok: false, detail: expect.stringContaining('410') });
    receiver.gone = false;

    const smtp = await test('smtp');
    expect(smtp.statusCode).toBe(400);
    expect(smtp.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(smtp.json().errors.map((e: { path: string }) => e.path)).toEqual(
      listConnectors(rt.env).find((c) => c.id === 'smtp')!.missing,
    );
    expect((await test('nope')).statusCode).toBe(404);
  });

  it('answers 503 without its functions, and reports what the functions say', async () => {
    const bare = await buildApp({
      ...fakeDeps().deps,
      auth: fakeAuth(TOKENS),
      apiRoutes: API_V1_ROUTES,
    });
    const r = await bare.inject({
      url: '/api/v1/connectors',
      headers: { authorization: 'Bearer admin' },
    });
    expect(r.statusCode).toBe(503);
    await bare.close();

    const fake = await buildApp({
      ...fakeDeps().deps,
      auth: fakeAuth(TOKENS),
      apiRoutes: [
        provideConnectorsApi({
          list: () => [],
          test: async (id) =>
            id === 'twilio'
              ? { outcome: 'unavailable' }
              : { outcome: 'ran', ok: true, detail: 'fine', latencyMs: 12.6 },
        }),
        ...API_V1_ROUTES,
      ],
    });
    const post = (id: string) =>
      fake.inject({
        method: 'POST',
        url: `/api/v1/connectors/${id}/test`,
        headers: { authorization: 'Bearer admin' },
      });
    expect((await post('twilio')).statusCode).toBe(404);
    expect((await post('x')).json()).toEqual({ id: 'x', ok: true, detail: 'fine', latencyMs: 13 });
    await fake.close();
  });
});
