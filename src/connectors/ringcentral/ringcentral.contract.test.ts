import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { WebhookConnector, WebhookResponse } from '../../app/ports/webhooks.js';
import { parseWebhookBody } from '../../http/routes/webhooks.js';
import { startFake } from '../fake/fake-http.js';
import { basicAuth } from '../http.js';
import { createRingCentralClient } from './client.js';
import {
  messageStoreNotification,
  notificationHeaders,
  renewalReminderNotification,
  startRingCentralFake,
  type RingCentralFake,
} from './fake-server.js';
import { ringcentralConnector, type RingCentralInstance } from './index.js';
import { EVENT_FILTERS, JWT_GRANT, PATHS } from './map.js';

const CLIENT_ID = 'rc-client-id';
const CLIENT_SECRET = 'rc-client-secret';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.rc-contract-jwt.signature';
const FROM = '+16505550188';
const RINGOUT_FROM = '+16505550177';
const WEBHOOK_TOKEN = 'vt-contract-test-9f3c';
const BODY = 'Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.';

let fake: RingCentralFake;

beforeEach(async () => {
  fake = await startRingCentralFake({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    jwt: JWT,
    numbers: [FROM],
  });
});
afterEach(() => fake.close());

function env(over: Record<string, string | undefined> = {}) {
  return {
    ARREARS_RINGCENTRAL_CLIENT_ID: CLIENT_ID,
    ARREARS_RINGCENTRAL_CLIENT_SECRET: CLIENT_SECRET,
    ARREARS_RINGCENTRAL_JWT: JWT,
    ARREARS_RINGCENTRAL_FROM: FROM,
    ARREARS_RINGCENTRAL_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    ARREARS_RINGCENTRAL_BASE_URL: fake.url,
    ...over,
  };
}
const harness = (over: Record<string, string | undefined> = {}, clock = fixedClock(Date.now())) =>
  connectorHarness(ringcentralConnector, env(over), { clock });

const sms = (over: Parameters<typeof outboxItem>[0] = {}) => outboxItem(over);
const voice = () =>
  outboxItem({ key: 'L1:1:call:voice', action: 'call', channel: 'voice', stage: 'call' });
const apiRequests = (path: string) => fake.requests.filter((r) => r.path === path);
const smsRequests = () => apiRequests(PATHS.sms);
const tokenRequests = () => apiRequests(PATHS.token);

describe('RingCentral connector: manifest and verify', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(ringcentralConnector)).toEqual([]);
  });

  it('`connectors test ringcentral` gets a token and reads the extension', async () => {
    const result = await harness().instance.verify();
    expect(result).toMatchObject({ ok: true });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${PATHS.token}`,
      `GET ${PATHS.extension}`,
    ]);
  });

  it('verify is not ok with bad client credentials, and says why', async () => {
    const result = await harness({ ARREARS_RINGCENTRAL_CLIENT_SECRET: 'wrong' }).instance.verify();
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('OAU-146');
    expect(result.detail).not.toContain('wrong');
  });
});

describe('RingCentral connector: SMS', () => {
  it('exchanges the JWT, then sends the documented SMS body with the Bearer token', async () => {
    const h = harness();
    const outcome = await h.send('message:sms', sms());
    const message = [...fake.messages.values()][0]!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: String(message.id) });

    const token = tokenRequests()[0]!;
    expect(token.headers.authorization).toBe(basicAuth(CLIENT_ID, CLIENT_SECRET));
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token.form).toEqual({ grant_type: JWT_GRANT, assertion: JWT });

    const send = smsRequests()[0]!;
    expect(send.method).toBe('POST');
    expect(send.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(send.headers['content-type']).toBe('application/json');
    expect(send.json).toEqual({
      from: { phoneNumber: FROM },
      to: [{ phoneNumber: ANA.phone }],
      text: BODY,
    });
    expect(message.messageStatus).toBe('Queued');
  });

  it('keeps the access token for later sends', async () => {
    const h = harness();
    await h.send('message:sms', sms());
    await h.send('message:sms', sms({ key: 'L1:1:late-notice:sms:2' }));
    expect(tokenRequests()).toHaveLength(1);
    expect(smsRequests()).toHaveLength(2);
  });

  it('an SMS without text is refused CMN-101 and fails for good with that code', async () => {
    const outcome = await harness().send(
      'message:sms',
      sms({ payload: { ...sms().payload, body: '' } }),
    );
    expect(outcome).toEqual({
      tag: 'rejected',
      code: 'CMN-101',
      reason: 'Parameter [text] value is invalid.',
    });
    expect(fake.messages.size).toBe(0);
  });

  it('an SMS without `to` is refused CMN-101 by RingCentral (client call)', async () => {
    const client = createRingCentralClient({
      baseUrl: fake.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      jwt: JWT,
      now: Date.now,
    });
    const outcome = await client.sendSms({ from: { phoneNumber: FROM }, to: [], text: BODY });
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'CMN-101' });
    expect(smsRequests()[0]!.json).toEqual({ from: { phoneNumber: FROM }, to: [], text: BODY });
  });

  it('a FROM that is not the extension’s number is refused MSG-245', async () => {
    const outcome = await harness({ ARREARS_RINGCENTRAL_FROM: '+16505550999' }).send(
      'message:sms',
      sms(),
    );
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'MSG-245' });
  });

  it('a contact without a phone is refused before calling RingCentral', async () => {
    const h = connectorHarness(ringcentralConnector, env(), {
      contacts: { T1: { ...ANA, phone: null } },
    });
    expect(await h.send('message:sms', sms())).toMatchObject({ tag: 'rejected', code: 'no_phone' });
    expect(fake.requests).toHaveLength(0);
  });

  it('bad client credentials: the token endpoint answers 401 OAU-146 and the item waits for them', async () => {
    const outcome = await harness({ ARREARS_RINGCENTRAL_CLIENT_SECRET: 'wrong' }).send(
      'message:sms',
      sms(),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: 'credentials refused: OAU-146 Invalid client credentials',
    });
    const answered = tokenRequests();
    expect(answered).toHaveLength(1);
    expect(smsRequests()).toHaveLength(0);
  });

  it('a bad JWT is refused invalid_grant and the item waits for it', async () => {
    const outcome = await harness({ ARREARS_RINGCENTRAL_JWT: 'not-the-jwt' }).send(
      'message:sms',
      sms(),
    );
    expect(outcome).toMatchObject({ tag: 'retryable' });
    expect((outcome as { reason: string }).reason).toMatch(/^credentials refused: OAU-140/);
  });

  it('retries a 429 CMN-301 after its Retry-After, then succeeds', async () => {
    fake.rateLimitNext(1, 0, /\/sms$/);
    const outcome = await harness().send('message:sms', sms());
    expect(outcome.tag).toBe('accepted');
    expect(smsRequests()).toHaveLength(2);
    expect(fake.messages.size).toBe(1);
  });

  it('a 429 asking to wait longer than a call may sleep becomes retry_after at that time', async () => {
    const clock = fixedClock(Date.parse('2026-10-06T16:00:00Z'));
    fake.rateLimitNext(1, 120, /\/sms$/);
    const outcome = await harness({}, clock).send('message:sms', sms());
    expect(outcome).toEqual({
      tag: 'retry_after',
      at: '2026-10-06T16:02:00.000Z',
      reason: 'CMN-301 Request rate exceeded',
    });
  });

  it('a 429 without Retry-After waits out the X-Rate-Limit-Window penalty (≥ 30 s)', async () => {
    const clock = fixedClock(Date.parse('2026-10-06T16:00:00Z'));
    fake.rateLimitNext(4, null, /\/sms$/);
    const outcome = await harness({}, clock).send('message:sms', sms());
    expect(outcome).toEqual({
      tag: 'retry_after',
      at: '2026-10-06T16:01:00.000Z',
      reason: 'CMN-301 Request rate exceeded',
    });
  });

  it('retries 5xx with backoff, then succeeds, sending once', async () => {
    fake.fault(2, { status: 503, path: /\/sms$/ });
    const outcome = await harness().send('message:sms', sms());
    expect(outcome.tag).toBe('accepted');
    expect(smsRequests()).toHaveLength(3);
    expect(fake.messages.size).toBe(1);
  });

  it('renews the token once when a call answers 401 OAU-128, with the refresh token', async () => {
    const h = harness();
    await h.send('message:sms', sms());
    fake.expireAccessTokens();
    const outcome = await h.send('message:sms', sms({ key: 'L1:1:late-notice:sms:2' }));
    expect(outcome.tag).toBe('accepted');
    expect(fake.requests.map((r) => r.path)).toEqual([
      PATHS.token,
      PATHS.sms,
      PATHS.sms, // 401 OAU-128
      PATHS.token,
      PATHS.sms,
    ]);
    expect(tokenRequests()[1]!.form.grant_type).toBe('refresh_token');
    expect(fake.messages.size).toBe(2);
  });

  it('renews the token before it expires, without a refused call', async () => {
    const clock = fixedClock(Date.now());
    const h = harness({}, clock);
    await h.send('message:sms', sms());
    clock.advance(3_600_000);
    await h.send('message:sms', sms({ key: 'L1:1:late-notice:sms:2' }));
    expect(fake.requests.map((r) => r.path)).toEqual([
      PATHS.token,
      PATHS.sms,
      PATHS.token,
      PATHS.sms,
    ]);
    expect(tokenRequests()[1]!.form.grant_type).toBe('refresh_token');
  });
});

describe('RingCentral connector: voice (RingOut)', () => {
  it('places a RingOut from the staff phone to the tenant, with the press-1 prompt', async () => {
    const h = harness({ ARREARS_RINGCENTRAL_RINGOUT_FROM: RINGOUT_FROM });
    const outcome = await h.send('message:voice', voice());
    const call = [...fake.ringOuts.values()][0]!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: String(call.id) });
    expect(apiRequests(PATHS.ringOut)[0]!.json).toEqual({
      from: { phoneNumber: RINGOUT_FROM },
      to: { phoneNumber: ANA.phone },
      playPrompt: true,
    });
  });

  it('without RINGOUT_FROM, leaves `from` to the user’s default forwarding number', async () => {
    await harness().send('message:voice', voice());
    expect(apiRequests(PATHS.ringOut)[0]!.json).toEqual({
      to: { phoneNumber: ANA.phone },
      playPrompt: true,
    });
  });

  it('a RingOut without `to` is refused CMN-101 (client call)', async () => {
    const client = createRingCentralClient({
      baseUrl: fake.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      jwt: JWT,
      now: Date.now,
    });
    const outcome = await client.placeRingOut({ to: { phoneNumber: '' }, playPrompt: true });
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'CMN-101' });
  });
});

describe('RingCentral connector: webhook notifications', () => {
  const post = async (
    h: ReturnType<typeof harness>,
    raw: string,
    headers: Record<string, string>,
  ) => {
    const app = await h.webhookApp();
    return app.inject({ method: 'POST', url: '/webhooks/ringcentral', payload: raw, headers });
  };

  it('an inbound SMS with the Verification-Token is handed to the reply sink', async () => {
    const h = harness();
    const sent = await fake.receiveSms(ANA.phone!, 'STOP');
    const res = await post(h, sent.raw, notificationHeaders(WEBHOOK_TOKEN));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, duplicate: false, eventId: sent.payload.uuid });
    const m = [...fake.messages.values()][0]!;
    expect(h.inbound.replies).toEqual([
      {
        channel: 'sms',
        from: ANA.phone,
        to: FROM,
        text: 'STOP',
        providerMessageId: String(m.id),
        receivedAt: m.creationTime,
      },
    ]);
  });

  it('refuses a forged, a tampered and a token-less notification with 401', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const sent = await fake.receiveSms(ANA.phone!, 'STOP');
    const tampered = WEBHOOK_TOKEN.slice(0, -1) + (WEBHOOK_TOKEN.endsWith('c') ? 'd' : 'c');
    for (const headers of [
      notificationHeaders('vt-forged'),
      notificationHeaders(tampered),
      notificationHeaders(undefined),
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/ringcentral',
        payload: sent.raw,
        headers,
      });
      expect(res.statusCode).toBe(401);
    }
    expect(h.inbound.replies).toEqual([]);
  });

  it('accepts the token in Validation-Token on a notification, as the reference words it', async () => {
    const h = harness();
    const sent = await fake.receiveSms(ANA.phone!, 'STOP');
    const headers = { ...notificationHeaders(undefined), 'validation-token': WEBHOOK_TOKEN };
    const res = await post(h, sent.raw, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ eventId: sent.payload.uuid });
    expect(h.inbound.replies).toHaveLength(1);
  });

  it('handles the same notification (same uuid) once', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const sent = await fake.receiveSms(ANA.phone!, 'I paid yesterday');
    const deliver = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/ringcentral',
        payload: sent.raw,
        headers: notificationHeaders(WEBHOOK_TOKEN),
      });
    expect((await deliver()).json()).toMatchObject({ duplicate: false });
    expect((await deliver()).json()).toMatchObject({ duplicate: true });
    expect(h.inbound.replies).toHaveLength(1);
  });

  it('without WEBHOOK_TOKEN every notification is refused (503)', async () => {
    const h = harness({ ARREARS_RINGCENTRAL_WEBHOOK_TOKEN: undefined });
    expect(h.instance.webhook!.secretConfigured).toBe(false);
    const sent = await fake.receiveSms(ANA.phone!, 'STOP');
    const res = await post(h, sent.raw, notificationHeaders(WEBHOOK_TOKEN));
    expect(res.statusCode).toBe(503);
    expect(h.inbound.replies).toEqual([]);
  });

  it('a status change re-reads the message store and hands Delivered as a receipt', async () => {
    const h = harness();
    await h.send('message:sms', sms());
    const id = [...fake.messages.keys()][0]!;
    const sent = await fake.setMessageStatus(id, 'Delivered');
    const res = await post(h, sent.raw, notificationHeaders(WEBHOOK_TOKEN));
    expect(res.statusCode).toBe(200);
    const lookup = apiRequests(PATHS.messageStore)[0]!;
    expect(Object.fromEntries(lookup.query)).toMatchObject({
      messageType: 'SMS',
      direction: 'Outbound',
      perPage: '100',
    });
    expect(h.inbound.deliveries).toEqual([
      {
        eventId: `${id}:Delivered`,
        status: 'delivered',
        providerMessageId: id,
        at: fake.messages.get(id)!.lastModifiedTime,
        detail: null,
      },
    ]);
  });

  it('DeliveryFailed to a landline is undelivered; SendingFailed and opt-outs are failed', async () => {
    const h = harness();
    for (const key of ['a', 'b', 'c']) await h.send('message:sms', sms({ key }));
    const [a, b, c] = [...fake.messages.keys()];
    await fake.setMessageStatus(a!, 'DeliveryFailed', 'SMS-CAR-411');
    await fake.setMessageStatus(b!, 'SendingFailed');
    await fake.setMessageStatus(c!, 'DeliveryFailed', 'SMS-RC-413');
    const event = messageStoreNotification(new Date().toISOString());
    await post(h, JSON.stringify(event), notificationHeaders(WEBHOOK_TOKEN));
    const byId = Object.fromEntries(
      h.inbound.deliveries.map((d) => [d.providerMessageId, [d.status, d.detail]]),
    );
    expect(byId).toEqual({
      [a!]: ['undelivered', 'SMS-CAR-411'],
      [b!]: ['failed', null],
      [c!]: ['failed', 'SMS-RC-413'],
    });
  });

  it('answers the subscription handshake 200 JSON, echoing the Validation-Token', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/ringcentral',
      headers: { 'validation-token': 'vt-handshake-1', 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ validationToken: 'vt-handshake-1' });
    expect(res.rawPayload.length).toBeLessThan(1024);
    // What the connector asks the router to send back (see the header test below).
    const answer = (await h.instance.webhook!.handle({
      headers: { 'validation-token': 'vt-handshake-2' },
      rawBody: Buffer.alloc(0),
      body: undefined,
      url: 'https://arrears.example.com/webhooks/ringcentral',
      connector: 'ringcentral',
      eventId: 'validation:vt-handshake-2',
      receivedAt: new Date().toISOString(),
    })) as WebhookResponse & { headers?: Record<string, string> };
    expect(answer.headers).toEqual({ 'Validation-Token': 'vt-handshake-2' });
  });

  // Flip to `it` once the router copies WebhookResponse.headers onto the reply.
  it('echoes Validation-Token as a response header through the real app', async () => {
    const app = await harness().webhookApp();
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/ringcentral',
      headers: { 'validation-token': 'vt-handshake-3', 'content-type': 'application/json' },
    });
    expect(res.headers['validation-token']).toBe('vt-handshake-3');
  });
});

describe('RingCentral connector: webhook subscription', () => {
  let receiver: { url: string; server: Server } | undefined;
  afterEach(
    () =>
      new Promise<void>((resolve) => {
        if (!receiver) return resolve();
        receiver.server.closeAllConnections();
        receiver.server.close(() => resolve());
        receiver = undefined;
      }),
  );

  /** The connector's webhook behind a server that sends WebhookResponse.headers (the wanted router change). */
  async function serve(webhook: WebhookConnector) {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const rawBody = Buffer.concat(chunks);
          const inbound = {
            headers: req.headers,
            rawBody,
            body: parseWebhookBody(req.headers['content-type'], rawBody),
            url: `http://127.0.0.1${req.url}`,
          };
          const v = await webhook.verify(inbound);
          if (!v.ok) return res.writeHead(401).end();
          const answer = (await webhook.handle({
            ...inbound,
            connector: 'ringcentral',
            eventId: v.eventId,
            receivedAt: new Date().toISOString(),
          })) as (WebhookResponse & { headers?: Record<string, string> }) | void;
          res.writeHead(answer?.status ?? 200, {
            'content-type': answer?.contentType ?? 'application/json',
            ...answer?.headers,
          });
          res.end(JSON.stringify(answer?.body ?? { received: true }));
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    return receiver.url;
  }

  it('subscribes with the documented body after the handshake, then notifications flow in', async () => {
    const h = harness();
    h.ctx.publicUrl = await serve(h.instance.webhook!);
    const result = await (h.instance as RingCentralInstance).subscribe();
    expect(result).toMatchObject({ ok: true });
    expect(apiRequests(PATHS.subscription)[0]!.json).toEqual({
      eventFilters: [...EVENT_FILTERS],
      deliveryMode: {
        transportType: 'WebHook',
        address: `${h.ctx.publicUrl}/webhooks/ringcentral`,
        verificationToken: WEBHOOK_TOKEN,
      },
      expiresIn: 604_800,
    });
    expect(fake.subscriptions.get(result.subscriptionId!)).toBeDefined();

    const sent = await fake.receiveSms(ANA.phone!, 'STOP');
    expect(sent.deliveries).toEqual([
      { address: `${h.ctx.publicUrl}/webhooks/ringcentral`, status: 200 },
    ]);
    expect(h.inbound.replies).toMatchObject([{ from: ANA.phone, text: 'STOP' }]);
  });

  it('renews the subscription when RingCentral sends its renewal reminder', async () => {
    const h = harness();
    h.ctx.publicUrl = await serve(h.instance.webhook!);
    const { subscriptionId } = await (h.instance as RingCentralInstance).subscribe();
    const reminder = renewalReminderNotification(subscriptionId!, 80_000);
    const res = await fetch(`${h.ctx.publicUrl}/webhooks/ringcentral`, {
      method: 'POST',
      body: JSON.stringify(reminder),
      headers: notificationHeaders(WEBHOOK_TOKEN),
    });
    expect(res.status).toBe(200);
    expect(apiRequests(`${PATHS.subscription}/${subscriptionId}/renew`)).toHaveLength(1);
  });

  it('statuses sent by the fake over time arrive as delivery receipts', async () => {
    await fake.close();
    fake = await startRingCentralFake({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      jwt: JWT,
      numbers: [FROM],
      statusStepMs: 10,
    });
    const h = harness();
    h.ctx.publicUrl = await serve(h.instance.webhook!);
    await (h.instance as RingCentralInstance).subscribe();
    await h.send('message:sms', sms());
    await expect.poll(() => h.inbound.deliveries.map((d) => d.status)).toEqual(['delivered']);
  });

  it('the subscription fails SUB-525 when the address does not echo the handshake', async () => {
    const silent = await startFake((_req, reply) => reply.json(200, {}));
    try {
      const h = harness();
      h.ctx.publicUrl = silent.url;
      const result = await (h.instance as RingCentralInstance).subscribe();
      expect(result).toMatchObject({ ok: false });
      expect(result.detail).toContain('SUB-525');
      expect(silent.requests[0]!.headers['validation-token']).toMatch(/\S+/);
      expect(fake.subscriptions.size).toBe(0);
    } finally {
      await silent.close();
    }
  });
});
