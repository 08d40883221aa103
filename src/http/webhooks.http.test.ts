import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createMemoryWebhookEventStore,
  createWebhookRegistry,
  registerWebhookConnector,
  type WebhookConnector,
  type WebhookEvent,
  type WebhookEventStore,
  type WebhookResponse,
} from '../app/ports/webhooks.js';
import { buildApp, type AppDeps } from './app.js';
import { fakeDeps } from './testing.js';

const SECRET = 'whsec_test_0123456789';

/**
 * A connector signing like many providers do: `X-Signature: sha256=HEX(HMAC(secret,
 * url + "\n" + raw body))`, the event id in `X-Event-Id`.
 */
function hmacConnector(
  options: {
    id?: string;
    secret?: string | null;
    respond?: (e: WebhookEvent) => WebhookResponse | void;
    fail?: () => boolean;
    /** Opts in to deferred handling, answering this (undefined: the default JSON). */
    deferred?: () => WebhookResponse | undefined;
  } = {},
) {
  const handled: WebhookEvent[] = [];
  const secret = options.secret === undefined ? SECRET : options.secret;
  const connector: WebhookConnector = {
    id: options.id ?? 'hmactest',
    get secretConfigured() {
      return secret !== null;
    },
    verify(request) {
      const header = request.headers['x-signature'];
      if (typeof header !== 'string' || !header.startsWith('sha256='))
        return { ok: false, reason: 'no X-Signature header' };
      const expected = sign(secret ?? '', request.url, request.rawBody);
      const given = Buffer.from(header.slice('sha256='.length), 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'signature mismatch' };
      const id = request.headers['x-event-id'];
      return typeof id === 'string' ? { ok: true, eventId: id } : { ok: false, reason: 'no id' };
    },
    async handle(event) {
      if (options.fail?.()) throw new Error('handler failed');
      handled.push(event);
      return options.respond?.(event);
    },
    ...(options.deferred ? { deferredResponse: options.deferred } : {}),
  };
  return { connector, handled };
}

function sign(secret: string, url: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${url}\n`).update(body).digest();
}

const PUBLIC = 'https://arrears.example.com';

function signedHeaders(url: string, body: string | Buffer, eventId = 'evt_1', secret = SECRET) {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    'x-signature': `sha256=${sign(secret, `${PUBLIC}${url}`, raw).toString('hex')}`,
    'x-event-id': eventId,
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(connectors: WebhookConnector[], overrides: Partial<AppDeps> = {}) {
  const registry = createWebhookRegistry(connectors);
  const fakes = fakeDeps({ webhooks: registry, publicUrl: PUBLIC, ...overrides });
  app = await buildApp(fakes.deps);
  return { ...fakes, app };
}

const JSON_BODY = '{"type":"message.delivered", "id":"evt_1",\n "amount": 1.50}';

describe('POST /webhooks/:connector', () => {
  it('404 problem for an unknown connector', async () => {
    const { app } = await start([]);
    const r = await app.inject({ method: 'POST', url: '/webhooks/nope', payload: {} });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({
      type: 'urn:arrears:problem:not_found',
      status: 404,
      detail: 'no webhook connector `nope`',
    });
  });

  it('refuses every request when the connector has no secret configured, even "signed" ones', async () => {
    const { connector, handled } = hmacConnector({ secret: null });
    const { app } = await start([connector]);
    const url = '/webhooks/hmactest';
    const r = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...signedHeaders(url, JSON_BODY, 'e', '') },
      payload: JSON_BODY,
    });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({
      type: 'urn:arrears:problem:webhook_not_configured',
      status: 503,
    });
    expect(handled).toEqual([]);
  });

  it('401 problem when the signature does not verify, and nothing is handled', async () => {
    const { connector, handled } = hmacConnector();
    const { app } = await start([connector]);
    const url = '/webhooks/hmactest';
    const forged = await app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(url, JSON_BODY, 'e', 'wrong'),
      },
      payload: JSON_BODY,
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({
      type: 'urn:arrears:problem:webhook_signature_invalid',
      detail: 'hmactest webhook refused: signature mismatch',
    });
    // The right signature over other bytes (re-serialised JSON) does not verify either.
    const tampered = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...signedHeaders(url, JSON_BODY) },
      payload: JSON.stringify(JSON.parse(JSON_BODY)),
    });
    expect(tampered.statusCode).toBe(401);
    const unsigned = await app.inject({ method: 'POST', url, payload: JSON_BODY });
    expect(unsigned.statusCode).toBe(401);
    expect(handled).toEqual([]);
  });

  it('200 for a good signature over the exact bytes; the connector gets raw and parsed body', async () => {
    const { connector, handled } = hmacConnector();
    const { app } = await start([connector]);
    const url = '/webhooks/hmactest?account=a1';
    const r = await app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...signedHeaders(url, JSON_BODY),
      },
      payload: JSON_BODY,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ received: true, duplicate: false, eventId: 'evt_1' });
    expect(handled).toHaveLength(1);
    const event = handled[0]!;
    expect(event.rawBody.toString()).toBe(JSON_BODY);
    expect(event.body).toEqual({ type: 'message.delivered', id: 'evt_1', amount: 1.5 });
    expect(event).toMatchObject({
      connector: 'hmactest',
      eventId: 'evt_1',
      url: `${PUBLIC}${url}`,
      receivedAt: '2026-10-06T16:00:00.000Z',
    });
  });

  it('a replay answers 200 {duplicate: true} and is handled once', async () => {
    const { connector, handled } = hmacConnector();
    const { app } = await start([connector]);
    const url = '/webhooks/hmactest';
    const send = () =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...signedHeaders(url, JSON_BODY) },
        payload: JSON_BODY,
      });
    expect((await send()).json()).toEqual({ received: true, duplicate: false, eventId: 'evt_1' });
    const replay = await send();
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ received: true, duplicate: true, eventId: 'evt_1' });
    expect(handled).toHaveLength(1);
  });

  it('keeps form-urlencoded and text bodies byte for byte', async () => {
    const { connector, handled } = hmacConnector();
    const { app } = await start([connector]);
    const url = '/webhooks/hmactest';
    const form = 'Body=I%27ll+pay+Friday&From=%2B15551234567&To=a&To=b';
    const r1 = await app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signedHeaders(url, form, 'sms_1'),
      },
      payload: form,
    });
    expect(r1.statusCode).toBe(200);
    expect(handled[0]!.rawBody.toString()).toBe(form);
    expect(handled[0]!.body).toEqual({
      Body: "I'll pay Friday",
      From: '+15551234567',
      To: ['a', 'b'],
    });

    const text = 'plain  text\r\nwith CRLF ';
    const r2 = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'text/plain', ...signedHeaders(url, text, 'txt_1') },
      payload: text,
    });
    expect(r2.statusCode).toBe(200);
    expect(handled[1]!.rawBody.toString()).toBe(text);

    // Any other type, and JSON that does not parse: bytes kept, body undefined, still verified.
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const r3 = await app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/octet-stream',
        ...signedHeaders(url, bytes, 'bin_1'),
      },
      payload: bytes,
    });
    expect(r3.statusCode).toBe(200);
    expect(Buffer.compare(handled[2]!.rawBody, bytes)).toBe(0);
    const broken = '{"not json';
    const r4 = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...signedHeaders(url, broken, 'bad_1') },
      payload: broken,
    });
    expect(r4.statusCode).toBe(200);
    expect(handled[3]!.body).toBeUndefined();
  });

  it('rebuilds the URL from the Host header when ARREARS_PUBLIC_URL is not set', async () => {
    const { connector, handled } = hmacConnector();
    const { app } = await start([connector], { publicUrl: undefined });
    const url = '/webhooks/hmactest?x=1';
    const raw = Buffer.from('{}');
    const r = await app.inject({
      method: 'POST',
      url,
      headers: {
        host: 'hooks.internal:8080',
        'content-type': 'application/json',
        'x-event-id': 'h1',
        'x-signature': `sha256=${sign(SECRET, `http://hooks.internal:8080${url}`, raw).toString('hex')}`,
      },
      payload: raw,
    });
    expect(r.statusCode).toBe(200);
    expect(handled[0]!.url).toBe('http://hooks.internal:8080/webhooks/hmactest?x=1');
  });

  it('a failed handling is given back: the provider retry is handled', async () => {
    let failing = true;
    const { connector, handled } = hmacConnector({ fail: () => failing });
    const { app } = await start([connector]);
    const url = '/webhooks/hmactest';
    const send = () =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...signedHeaders(url, JSON_BODY) },
        payload: JSON_BODY,
      });
    const first = await send();
    expect(first.statusCode).toBe(500);
    expect(first.json()).toMatchObject({ type: 'urn:arrears:problem:runtime', status: 500 });
    expect(first.body).not.toContain('handler failed');
    failing = false;
    expect((await send()).json()).toMatchObject({ duplicate: false });
    expect(handled).toHaveLength(1);
  });

  it('answers what the connector returns, unfiltered', async () => {
    const { connector } = hmacConnector({
      respond: (e) => ({ body: { challenge: e.eventId, extra: [1] } }),
    });
    const xml = hmacConnector({
      id: 'xmltest',
      respond: () => ({ contentType: 'text/xml', body: '<Response/>' }),
    });
    const { app } = await start([connector, xml.connector]);
    const url = '/webhooks/hmactest';
    const r = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...signedHeaders(url, '{}', 'c1') },
      payload: '{}',
    });
    expect(r.json()).toEqual({ challenge: 'c1', extra: [1] });
    const u2 = '/webhooks/xmltest';
    const r2 = await app.inject({
      method: 'POST',
      url: u2,
      headers: { 'content-type': 'application/json', ...signedHeaders(u2, '{}', 'x1') },
      payload: '{}',
    });
    expect(r2.headers['content-type']).toContain('text/xml');
    expect(r2.body).toBe('<Response/>');
  });

  it('registerWebhookConnector refuses a bad id and a second registration', () => {
    const registry = createWebhookRegistry();
    const { connector } = hmacConnector();
    registerWebhookConnector(registry, connector);
    expect(() => registerWebhookConnector(registry, connector)).toThrow('registered twice');
    expect(() => registerWebhookConnector(registry, { ...connector, id: 'Bad Id' })).toThrow(
      'not a connector id',
    );
    expect(registry.list().map((c) => c.id)).toEqual(['hmactest']);
  });
});

/**
 * A memory store whose drainer finds nothing until `open()`: events stay `queued` while
 * the test looks at them.
 */
function gatedStore() {
  const store = createMemoryWebhookEventStore();
  let open = false;
  const gated: WebhookEventStore = {
    ...store,
    claimQueued: (connectors, at, limit) =>
      open ? store.claimQueued(connectors, at, limit) : Promise.resolve([]),
  };
  return { store, gated, open: () => (open = true) };
}

describe('POST /webhooks/:connector: the inbox', () => {
  const url = '/webhooks/hmactest';
  const post = (target: FastifyInstance, eventId: string, body = `{"id":"${eventId}"}`) =>
    target.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer not-for-the-inbox',
        cookie: 'session=also-not',
        ...signedHeaders(url, body, eventId),
      },
      payload: body,
    });

  it('handles inline while quiet: the effect is there when the answer comes', async () => {
    const { connector, handled } = hmacConnector({ deferred: () => undefined });
    const store = createMemoryWebhookEventStore();
    const { app } = await start([connector], { webhookEvents: store });
    const r = await post(app, 'q1');
    expect(r.json()).toEqual({ received: true, duplicate: false, eventId: 'q1' });
    expect(handled.map((e) => e.eventId)).toEqual(['q1']);
    // Handled: its request is no longer kept.
    expect(store.rows.get(JSON.stringify(['hmactest', 'q1']))).toMatchObject({
      state: 'handled',
      request: null,
    });
  });

  it('under load an event is stored, then acknowledged; a duplicate while queued is a duplicate', async () => {
    const { connector, handled } = hmacConnector({ deferred: () => undefined });
    const { store, gated, open } = gatedStore();
    const { app } = await start([connector], {
      webhookEvents: gated,
      webhookInbox: { inlineLimit: 0 },
    });
    const r = await post(app, 'd1');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ received: true, duplicate: false, eventId: 'd1', queued: true });
    const row = store.rows.get(JSON.stringify(['hmactest', 'd1']))!;
    expect(row).toMatchObject({ state: 'queued', attempts: 0 });
    expect(row.request!.rawBody.toString()).toBe('{"id":"d1"}');
    expect(row.request!.url).toBe(`${PUBLIC}${url}`);
    expect(row.request!.headers).toMatchObject({ 'x-event-id': 'd1' });
    // Credentials are never kept.
    expect(Object.keys(row.request!.headers)).not.toContain('authorization');
    expect(Object.keys(row.request!.headers)).not.toContain('cookie');
    expect(handled).toEqual([]);

    const again = await post(app, 'd1');
    expect(again.json()).toEqual({ received: true, duplicate: true, eventId: 'd1' });
    expect(await store.inboxCounts()).toEqual({ queued: 1, claimed: 0, failed: 0 });
    open();
    await post(app, 'd2'); // wakes the drainer
    await vi.waitFor(() => expect(handled.map((e) => e.eventId)).toEqual(['d1', 'd2']));
    await vi.waitFor(async () =>
      expect(await store.inboxCounts()).toEqual({ queued: 0, claimed: 0, failed: 0 }),
    );
    expect(store.rows.get(JSON.stringify(['hmactest', 'd1']))!.request).toBeNull();
  });

  it('under load (limit 0) every event is acknowledged, then applied once each', async () => {
    const { connector, handled } = hmacConnector({ deferred: () => undefined });
    const store = createMemoryWebhookEventStore();
    const { app } = await start([connector], {
      webhookEvents: store,
      webhookInbox: { inlineLimit: 0, batchSize: 4 },
    });
    const ids = Array.from({ length: 20 }, (_, i) => `load-${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(ids.map((id) => post(app, id)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    await vi.waitFor(() => expect(handled).toHaveLength(20));
    expect(handled.map((e) => e.eventId).sort()).toEqual(ids);
    // The connector gets the request as it came: raw bytes, parsed body, URL, headers.
    const first = handled.find((e) => e.eventId === 'load-00')!;
    expect(first.rawBody.toString()).toBe('{"id":"load-00"}');
    expect(first.body).toEqual({ id: 'load-00' });
    expect(first).toMatchObject({ url: `${PUBLIC}${url}`, receivedAt: '2026-10-06T16:00:00.000Z' });
    expect(first.headers['content-type']).toBe('application/json');
    // Replays after the drain are duplicates, never handled again.
    for (const id of ids.slice(0, 3))
      expect((await post(app, id)).json()).toMatchObject({ duplicate: true });
    expect(handled).toHaveLength(20);
  });

  it("a deferring connector's own answer is sent at once (TwiML for Twilio)", async () => {
    const { connector, handled } = hmacConnector({
      deferred: () => ({ contentType: 'text/xml', body: '<Response/>' }),
    });
    const { app } = await start([connector], { webhookInbox: { inlineLimit: 0 } });
    const r = await post(app, 'x1');
    expect(r.headers['content-type']).toContain('text/xml');
    expect(r.body).toBe('<Response/>');
    await vi.waitFor(() => expect(handled).toHaveLength(1));
  });

  it('a connector that does not opt in is handled inline even under load', async () => {
    const { connector, handled } = hmacConnector();
    const { app } = await start([connector], { webhookInbox: { inlineLimit: 0 } });
    const r = await post(app, 'n1');
    expect(r.json()).toEqual({ received: true, duplicate: false, eventId: 'n1' });
    expect(handled).toHaveLength(1);
  });

  it('a failing deferred handling is retried, then stays failed with its error; readyz and metrics say so', async () => {
    let calls = 0;
    const { connector, handled } = hmacConnector({
      deferred: () => undefined,
      fail: () => ++calls > 0,
    });
    const store = createMemoryWebhookEventStore();
    const { app } = await start([connector], {
      webhookEvents: store,
      webhookInbox: { inlineLimit: 0, maxAttempts: 3, retryDelayMs: () => 0 },
    });
    expect((await post(app, 'f1')).json()).toMatchObject({ queued: true });
    const key = JSON.stringify(['hmactest', 'f1']);
    await vi.waitFor(() => expect(store.rows.get(key)!.state).toBe('failed'));
    expect(calls).toBe(3);
    expect(handled).toEqual([]);
    expect(store.rows.get(key)).toMatchObject({ attempts: 3, lastError: 'handler failed' });
    // Kept (with its request) for a human; a redelivery is a duplicate, not handled again.
    expect(store.rows.get(key)!.request).not.toBeNull();
    expect((await post(app, 'f1')).json()).toMatchObject({ duplicate: true });
    expect(calls).toBe(3);

    const ready = (await app.inject({ url: '/readyz' })).json<{ warnings: { code: string }[] }>();
    expect(ready.warnings).toContainEqual(
      expect.objectContaining({ code: 'webhook_inbox_failed', count: 1 }),
    );
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('arrears_webhook_inbox_events{state="failed"} 1');
    expect(metrics).toContain('arrears_webhook_inbox_events{state="queued"} 0');
  });

  it('a failing deferred handling that recovers is applied once', async () => {
    let calls = 0;
    const { connector, handled } = hmacConnector({
      deferred: () => undefined,
      fail: () => ++calls < 3,
    });
    const store = createMemoryWebhookEventStore();
    const { app } = await start([connector], {
      webhookEvents: store,
      webhookInbox: { inlineLimit: 0, retryDelayMs: () => 0 },
    });
    await post(app, 'r1');
    await vi.waitFor(() => expect(handled).toHaveLength(1));
    expect(store.rows.get(JSON.stringify(['hmactest', 'r1']))).toMatchObject({
      state: 'handled',
      attempts: 3,
      request: null,
    });
  });

  it("logs a delivery answered 2xx at debug only; a refused one's completion at info", async () => {
    const lines: { level: number; msg: string; res?: { statusCode: number } }[] = [];
    const { connector } = hmacConnector({ deferred: () => undefined });
    const { app } = await start([connector], {
      logger: {
        level: 'info',
        stream: { write: (line: string) => void lines.push(JSON.parse(line) as never) },
      },
    });
    await post(app, 'log1');
    expect(lines.filter((l) => /request/.test(l.msg))).toEqual([]);
    const forged = await app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        'x-signature': 'sha256=00',
        'x-event-id': 'x',
      },
      payload: '{}',
    });
    expect(forged.statusCode).toBe(401);
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({
      level: 30,
      res: { statusCode: 401 },
    });
    // Other routes keep both lines at info.
    await app.inject({ url: '/api/v1/openapi.json' });
    expect(lines.filter((l) => l.msg === 'incoming request')).toHaveLength(1);
  });

  it('a queued event survives a restart: the next app drains it', async () => {
    const first = hmacConnector({ deferred: () => undefined });
    const { store, gated } = gatedStore();
    const { app: before } = await start([first.connector], {
      webhookEvents: gated,
      webhookInbox: { inlineLimit: 0 },
    });
    expect((await post(before, 's1')).json()).toMatchObject({ queued: true });
    await before.close();
    expect(first.handled).toEqual([]);

    const second = hmacConnector({ deferred: () => undefined });
    await start([second.connector], { webhookEvents: store });
    await vi.waitFor(() => expect(second.handled.map((e) => e.eventId)).toEqual(['s1']));
    expect(second.handled[0]!.body).toEqual({ id: 's1' });
  });
});
