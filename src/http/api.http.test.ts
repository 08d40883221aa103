import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Principal } from '../app/ports/auth.js';
import { AppError, ERROR_CATALOGUE, InputError } from '../domain/errors.js';
import { buildApp, type AppDeps } from './app.js';
import { principalOf, requireRole } from './auth.js';
import { parseInput } from './errors.js';
import { pageOf, pageRequest, PAGE_QUERY_SCHEMA, pageSchema } from './pagination.js';
import { PROBLEM_TYPES, problemType } from './problem.js';
import { API_V1_ROUTES, type ApiRoutes } from './routes/v1/index.js';
import { fakeAuth, fakeDeps } from './testing.js';

const ADMIN: Principal = {
  userId: 'u1',
  email: 'ada@example.com',
  role: 'admin',
  orgId: 'acme',
  via: 'api_token',
};
const AUDITOR: Principal = { ...ADMIN, userId: 'u2', email: 'audit@example.com', role: 'auditor' };
const COLLECTIONS: Principal = { ...ADMIN, userId: 'u3', role: 'collections' };
const TOKENS = { arr_admin: ADMIN, arr_auditor: AUDITOR, arr_collections: COLLECTIONS };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Routes that exist only in these tests: validation, every error kind, roles, paging. */
const testRoutes: ApiRoutes = async (api) => {
  api.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/widgets',
    {
      schema: {
        summary: 'Widgets (test)',
        tags: ['test'],
        querystring: PAGE_QUERY_SCHEMA,
        response: { 200: pageSchema({ type: 'object', properties: { id: { type: 'string' } } }) },
      },
    },
    async (request) => {
      const page = pageRequest(request.query);
      const all = ['w1', 'w2', 'w3', 'w4', 'w5'].map((id) => ({ id }));
      const after = typeof page.after === 'string' ? page.after : '';
      const rows = all.filter((w) => w.id > after).slice(0, page.limit + 1);
      return pageOf(rows, page, (w) => w.id);
    },
  );
  api.post<{ Body: { name: string; count: number } }>(
    '/widgets',
    {
      schema: {
        summary: 'Create a widget (test)',
        tags: ['test'],
        body: {
          type: 'object',
          required: ['name', 'count'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1 }, count: { type: 'integer' } },
        },
      },
      preHandler: requireRole('manager'),
    },
    async (request, reply) =>
      reply.code(201).send({ ...request.body, org: principalOf(request).orgId }),
  );
  api.post('/zod', async (request) =>
    parseInput(
      z.strictObject({ amountCents: z.number().int(), leaseId: z.string() }),
      request.body,
      'body',
    ),
  );
  api.get('/raw-zod', async () => z.object({ a: z.string() }).parse({ a: 1 }));
  api.get('/input-error', async () => {
    throw new InputError([{ path: 'leases[2].rentCents', message: 'must be a whole number' }]);
  });
  api.get('/conflict', async () => {
    throw new AppError('conflict', 'the draft changed since you read it');
  });
  api.get('/bug', async () => {
    throw new Error('secret internals: connection string postgres://u:pw@db/x');
  });
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(overrides: Partial<AppDeps> = {}) {
  const fakes = fakeDeps({
    auth: fakeAuth(TOKENS),
    apiRoutes: [...API_V1_ROUTES, testRoutes],
    ...overrides,
  });
  app = await buildApp(fakes.deps);
  return { ...fakes, app };
}

describe('/api/v1 authentication', () => {
  it('401 problem+json without a token, with WWW-Authenticate', async () => {
    const { app } = await start();
    const r = await app.inject({ url: '/api/v1/me' });
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="arrears"');
    expect(r.json()).toEqual({
      type: 'urn:arrears:problem:unauthorized',
      title: 'Sign-in required',
      status: 401,
      detail: 'this endpoint needs an API token: send `Authorization: Bearer <token>`',
      requestId: r.headers['x-request-id'],
    });
  });

  it('401 for an unknown token or a malformed header', async () => {
    const { app } = await start();
    const unknown = await app.inject({ url: '/api/v1/me', headers: bearer('arr_nope') });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
    const basic = await app.inject({ url: '/api/v1/me', headers: { authorization: 'Basic YTpi' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('200 with a token: who the caller is, in which organisation', async () => {
    const { app } = await start();
    const r = await app.inject({ url: '/api/v1/me', headers: bearer('arr_admin') });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      userId: 'u1',
      email: 'ada@example.com',
      role: 'admin',
      orgId: 'acme',
      readOnly: false,
    });
    const auditor = await app.inject({ url: '/api/v1/me', headers: bearer('arr_auditor') });
    expect(auditor.json()).toMatchObject({ role: 'auditor', readOnly: true });
  });

  it('403 for a read-only role changing anything, and for a role a route does not allow', async () => {
    const { app } = await start();
    const payload = { name: 'w', count: 1 };
    const auditor = await app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      headers: bearer('arr_auditor'),
      payload,
    });
    expect(auditor.statusCode).toBe(403);
    expect(auditor.json()).toMatchObject({
      type: 'urn:arrears:problem:forbidden',
      detail: 'the auditor role is read-only',
    });
    const collections = await app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      headers: bearer('arr_collections'),
      payload,
    });
    expect(collections.statusCode).toBe(403);
    expect(collections.json().detail).toBe('this needs the manager role, not collections');
    const admin = await app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      headers: bearer('arr_admin'),
      payload,
    });
    expect(admin.statusCode).toBe(201);
    expect(admin.json()).toEqual({ name: 'w', count: 1, org: 'acme' });
  });

  it('a no_role answer from the port is 403', async () => {
    const { app } = await start({
      auth: { authenticateToken: async () => ({ ok: false, reason: 'no_role' }) },
    });
    const r = await app.inject({ url: '/api/v1/me', headers: bearer('arr_x') });
    expect(r.statusCode).toBe(403);
  });
});

describe('problem+json errors', () => {
  it('a schema validation error names every field', async () => {
    const { app } = await start();
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      headers: bearer('arr_admin'),
      payload: { count: 'many', colour: 'red' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = r.json();
    expect(body).toMatchObject({
      type: 'urn:arrears:problem:invalid_input',
      title: ERROR_CATALOGUE.invalid_input.title,
      status: 400,
    });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.name', message: 'is required' },
        { path: 'body.colour', message: 'is not a known field' },
      ]),
    );
    expect(body.detail).toMatch(/^\d problems in the request: /);
  });

  it('a query validation error', async () => {
    const { app } = await start();
    const r = await app.inject({ url: '/api/v1/widgets?limit=0', headers: bearer('arr_admin') });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual([{ path: 'query.limit', message: 'must be >= 1' }]);
  });

  it('zod failures through parseInput and raw ZodErrors', async () => {
    const { app } = await start();
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/zod',
      headers: bearer('arr_admin'),
      payload: { amountCents: 1.5, extra: true },
    });
    expect(r.statusCode).toBe(400);
    const paths = r.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.amountCents', 'body.leaseId']));
    const raw = await app.inject({ url: '/api/v1/raw-zod', headers: bearer('arr_admin') });
    expect(raw.statusCode).toBe(400);
    expect(raw.json().errors[0].path).toBe('a');
  });

  it('InputError and AppError codes map through the catalogue', async () => {
    const { app } = await start();
    const input = await app.inject({ url: '/api/v1/input-error', headers: bearer('arr_admin') });
    expect(input.statusCode).toBe(400);
    expect(input.json().errors).toEqual([
      { path: 'leases[2].rentCents', message: 'must be a whole number' },
    ]);
    const conflict = await app.inject({ url: '/api/v1/conflict', headers: bearer('arr_admin') });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({
      type: problemType('conflict'),
      title: ERROR_CATALOGUE.conflict.title,
      detail: 'the draft changed since you read it',
    });
  });

  it('an unexpected error is a 500 that reveals nothing', async () => {
    const { app } = await start();
    const r = await app.inject({ url: '/api/v1/bug', headers: bearer('arr_admin') });
    expect(r.statusCode).toBe(500);
    expect(r.json().type).toBe('urn:arrears:problem:runtime');
    expect(r.body).not.toContain('pw');
  });

  it('unknown routes and malformed JSON bodies are problems too', async () => {
    const { app } = await start();
    const missing = await app.inject({ url: '/api/v1/nothing?x=1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe('no route GET /api/v1/nothing');
    const broken = await app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      headers: { ...bearer('arr_admin'), 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('every problem type has a status and a title', () => {
    for (const [code, p] of Object.entries(PROBLEM_TYPES)) {
      expect(p.http, code).toBeGreaterThanOrEqual(400);
      expect(p.title, code).not.toBe('');
    }
  });
});

describe('pagination through a route', () => {
  it('walks every item once with the cursors it hands out', async () => {
    const { app } = await start();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const r = await app.inject({ url: `/api/v1/widgets${q}`, headers: bearer('arr_admin') });
      expect(r.statusCode).toBe(200);
      const body = r.json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((w) => w.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(['w1', 'w2', 'w3', 'w4', 'w5']);
    expect(pages).toBe(3);
    const bad = await app.inject({
      url: '/api/v1/widgets?cursor=not*a*cursor',
      headers: bearer('arr_admin'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('query.cursor');
  });
});

describe('OpenAPI and /docs', () => {
  it('/api/v1/openapi.json is an OpenAPI 3.1 document of the registered routes', async () => {
    const { app } = await start({ apiRoutes: API_V1_ROUTES, publicUrl: 'https://a.example.com' });
    const r = await app.inject({ url: '/api/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = JSON.parse(r.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://a.example.com' }]);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/audit',
      '/api/v1/audit/verify',
      '/api/v1/cases',
      '/api/v1/cases/{leaseId}',
      '/api/v1/changes',
      '/api/v1/connectors',
      '/api/v1/connectors/{id}/test',
      '/api/v1/events',
      '/api/v1/exceptions',
      '/api/v1/holds',
      '/api/v1/hooks',
      '/api/v1/hooks/sample',
      '/api/v1/hooks/{id}',
      '/api/v1/leases',
      '/api/v1/leases/{leaseId}',
      '/api/v1/leases/{leaseId}/ledger',
      '/api/v1/leases/{leaseId}/payments',
      '/api/v1/me',
      '/api/v1/openapi.json',
      '/api/v1/outbox',
      '/api/v1/policies',
      '/api/v1/policies/dry-run',
      '/api/v1/policies/preview',
      '/api/v1/policies/validate',
      '/api/v1/policies/{id}',
      '/api/v1/policies/{id}/versions',
      '/api/v1/queue',
      '/api/v1/queue/approve',
      '/api/v1/queue/{key}',
      '/api/v1/queue/{key}/approve',
      '/api/v1/queue/{key}/reject',
      '/api/v1/replies',
      '/api/v1/reports/{name}',
      '/api/v1/suggestions',
      '/api/v1/suggestions/{id}/confirm',
      '/api/v1/suggestions/{id}/dismiss',
      '/api/v1/tasks',
      '/api/v1/tasks/{key}/complete',
      '/api/v1/tasks/{key}/photos',
      '/api/v1/tasks/{key}/photos/{sha256}',
      '/api/v1/users',
      '/api/v1/workflows',
      '/healthz',
      '/metrics',
      '/readyz',
      '/webhooks/{connector}',
    ]);
    expect(doc.paths['/api/v1/me'].get).toMatchObject({
      operationId: 'getMe',
      security: [{ bearerAuth: [] }],
      responses: { '200': { content: { 'application/json': { schema: { type: 'object' } } } } },
    });
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
    expect(doc.paths['/webhooks/{connector}'].post.parameters).toEqual([
      {
        name: 'connector',
        in: 'path',
        required: true,
        description: 'Connector id, e.g. `twilio`.',
        schema: { type: 'string' },
      },
    ]);
    expect(doc.paths['/metrics'].get.responses['200'].content).toHaveProperty('text/plain');
    expect(doc.paths['/readyz'].get.responses).toHaveProperty('503');
    expect(doc.paths['/api/v1/me'].get.responses.default).toEqual({
      $ref: '#/components/responses/Problem',
    });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ scheme: 'bearer' });
  });

  it('documents query parameters of paginated routes', async () => {
    const { app } = await start();
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    const params = doc.paths['/api/v1/widgets'].get.parameters;
    expect(params.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'query:limit',
      'query:cursor',
    ]);
    expect(
      doc.paths['/api/v1/widgets'].post.requestBody.content['application/json'].schema,
    ).toMatchObject({ required: ['name', 'count'] });
  });

  it('/docs renders the operations and every problem type, with no external resource', async () => {
    const { app } = await start({ apiRoutes: API_V1_ROUTES });
    const r = await app.inject({ url: '/docs' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.body).toContain('<code>/api/v1/me</code>');
    expect(r.body).toContain('<code>/webhooks/{connector}</code>');
    for (const code of Object.keys(PROBLEM_TYPES)) expect(r.body).toContain(`id="problem-${code}"`);
    expect(r.body).not.toMatch(/(src|href)="https?:/);
  });
});

describe('logs', () => {
  it('are JSON lines without tokens, secrets, cookies or bodies', async () => {
    const lines: string[] = [];
    const { app } = await start({
      logger: { level: 'debug', stream: { write: (l) => lines.push(l) } },
    });
    app.log.info({ apiToken: 'arr_leak1', nested: { clientSecret: 's3', ok: 1 } }, 'custom');
    await app.inject({
      method: 'POST',
      url: '/api/v1/widgets?access_token=arr_leak2&page=1',
      headers: { ...bearer('arr_admin'), cookie: 'session=leak3' },
      payload: { name: 'body-leak4', count: 1 },
    });
    await app.inject({ url: '/api/v1/bug', headers: bearer('arr_admin') });
    const text = lines.join('');
    for (const leak of ['arr_leak1', 's3"', 'arr_leak2', 'leak3', 'body-leak4', 'arr_admin'])
      expect(text).not.toContain(leak);
    const records = lines.map((l) => JSON.parse(l));
    expect(records.find((r) => r.msg === 'custom')).toMatchObject({
      apiToken: '[redacted]',
      nested: { clientSecret: '[redacted]', ok: 1 },
    });
    expect(text).toContain('access_token=[redacted]&page=1');
    const failure = records.find((r) => r.msg === 'request failed');
    expect(failure).toMatchObject({ userId: 'u1', orgId: 'acme', err: { type: 'Error' } });
  });
});
