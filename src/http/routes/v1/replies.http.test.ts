/**
 * The replies API without a database: who may call it, what it answers when the server
 * was built without its stores, and its OpenAPI description. The routes with data are
 * exercised end to end in test/scenarios/inbound-replies.db.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../app/ports/auth.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { API_V1_ROUTES } from './index.js';

const ADMIN: Principal = {
  userId: 'u1',
  email: 'ada@example.com',
  role: 'admin',
  orgId: 'acme',
  via: 'api_token',
};
const tokens = {
  admin: ADMIN,
  owner: { ...ADMIN, userId: 'u2', role: 'owner' as const },
  auditor: { ...ADMIN, userId: 'u3', role: 'auditor' as const },
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start() {
  app = await buildApp(fakeDeps({ auth: fakeAuth(tokens), apiRoutes: API_V1_ROUTES }).deps);
  return app;
}
const as = (token: keyof typeof tokens) => ({ authorization: `Bearer ${token}` });

describe('/api/v1/replies and /api/v1/suggestions', () => {
  it('need a token, and a role that may read tenant messages', async () => {
    const a = await start();
    expect((await a.inject({ url: '/api/v1/replies' })).statusCode).toBe(401);
    const owner = await a.inject({ url: '/api/v1/suggestions', headers: as('owner') });
    expect(owner.statusCode).toBe(403);
    const auditor = await a.inject({
      method: 'POST',
      url: '/api/v1/suggestions/sg_1/dismiss',
      headers: as('auditor'),
      payload: { reason: 'x' },
    });
    expect(auditor.statusCode).toBe(403);
  });

  it('answer 503 problem+json when the server was built without their stores', async () => {
    const a = await start();
    const r = await a.inject({ url: '/api/v1/replies', headers: as('admin') });
    expect(r.statusCode).toBe(503);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ type: 'urn:arrears:problem:unavailable' });
  });

  it('validate bodies and queries before anything else', async () => {
    const a = await start();
    const extra = await a.inject({
      method: 'POST',
      url: '/api/v1/suggestions/sg_1/confirm',
      headers: as('admin'),
      payload: { amountCents: -5, surprise: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(
      extra
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.amountCents', 'body.surprise']);
    const status = await a.inject({
      url: '/api/v1/suggestions?status=maybe',
      headers: as('admin'),
    });
    expect(status.statusCode).toBe(400);
  });

  it('are described in the OpenAPI document', async () => {
    const a = await start();
    const doc = (await a.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/replies'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/suggestions',
        '/api/v1/suggestions/{id}/confirm',
        '/api/v1/suggestions/{id}/dismiss',
      ]),
    );
  });
});
