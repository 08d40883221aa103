import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
  type HarnessOptions,
} from '../../../test/support/connectors.js';
import { createTwilioClient } from './client.js';
import {
  startTwilioFake,
  twilioError,
  type CallbackTransport,
  type StatusCallbackOptions,
  type TwilioFake,
} from './fake-server.js';
import { twilioConnector } from './index.js';
import { twilioSignature } from './webhooks.js';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'auth-token-contract-test';
const FROM = '+14155550199';
const HOOK = 'https://arrears.example.com/webhooks/twilio';
const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const SMS_BODY = 'Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.';

let fake: TwilioFake;
/** Where the fake's callbacks go: the app under test, once a test has built it. */
let transport: CallbackTransport = () => Promise.reject(new Error('no app to call back'));

async function startFake(statusCallbacks?: boolean | StatusCallbackOptions) {
  fake = await startTwilioFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    statusCallbacks,
    deliver: (url, body, headers) => transport(url, body, headers),
  });
}

beforeEach(() => startFake());
afterEach(async () => {
  transport = () => Promise.reject(new Error('no app to call back'));
  await fake.close();
});

function harness(env: Record<string, string | undefined> = {}, options: HarnessOptions = {}) {
  return connectorHarness(
    twilioConnector,
    {
      ARREARS_TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      ARREARS_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      ARREARS_TWILIO_FROM: FROM,
      ARREARS_TWILIO_BASE_URL: fake.url,
      ...env,
    },
    options,
  );
}

/** Twilio reaching the app at its public URL: the request is injected at the same path. */
function callbacksInto(app: FastifyInstance): CallbackTransport {
  return async (url, body, headers) => {
    const u = new URL(url);
    const res = await app.inject({
      method: 'POST',
      url: u.pathname + u.search,
      payload: body,
      headers,
    });
    return { status: res.statusCode, text: res.body };
  };
}

function inject(
  app: FastifyInstance,
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const u = new URL(url);
  return app.inject({
    method: 'POST',
    url: u.pathname + u.search,
    payload: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

const signedBy = (token: string, url: string, params: Record<string, string>) => ({
  'x-twilio-signature': twilioSignature(token, url, params),
});

const smsItem = () => outboxItem();
const voiceItem = () =>
  outboxItem({
    key: 'L1:1:late-notice:voice',
    action: 'voice',
    channel: 'voice',
    payload: { ...outboxItem().payload, body: 'Hola Ana, su renta de $1,200.00 está vencida.' },
  });

describe('twilio connector', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(twilioConnector)).toEqual([]);
  });

  describe('SMS (POST /2010-04-01/Accounts/{AccountSid}/Messages.json)', () => {
    it('sends the documented fields, form-encoded with Basic auth, and keeps the SID', async () => {
      const outcome = await harness().send('message:sms', smsItem());
      expect(outcome).toEqual({
        tag: 'accepted',
        externalId: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      });
      const req = fake.requests[0]!;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.headers.authorization).toBe(
        `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      );
      expect(req.form).toEqual({ To: ANA.phone, From: FROM, Body: SMS_BODY, StatusCallback: HOOK });

      const sid = (outcome as { externalId: string }).externalId;
      const fetched = await fetch(
        `${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
        {
          headers: { authorization: req.headers.authorization! },
        },
      );
      expect(fetched.status).toBe(200);
      expect(await fetched.json()).toMatchObject({
        sid,
        account_sid: ACCOUNT_SID,
        to: ANA.phone,
        from: FROM,
        body: SMS_BODY,
        status: 'queued',
        direction: 'outbound-api',
        num_segments: expect.any(String),
      });
    });

    it('sends through a Messaging Service when one is configured', async () => {
      const outcome = await harness({
        ARREARS_TWILIO_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef',
      }).send('message:sms', smsItem());
      expect(outcome.tag).toBe('accepted');
      expect(fake.requests[0]!.form).toEqual({
        To: ANA.phone,
        MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
        Body: SMS_BODY,
        StatusCallback: HOOK,
      });
    });

    it('asks for no status callback without a public URL', async () => {
      await harness({}, { publicUrl: '' }).send('message:sms', smsItem());
      expect(fake.requests[0]!.form).toEqual({ To: ANA.phone, From: FROM, Body: SMS_BODY });
    });

    it('without a sender configured the item is rejected, and nothing is sent', async () => {
      expect(
        await harness({ ARREARS_TWILIO_FROM: undefined }).send('message:sms', smsItem()),
      ).toMatchObject({
        tag: 'rejected',
        code: 'no_sender',
      });
      expect(fake.requests).toHaveLength(0);
    });

    it('a tenant without a phone number is rejected as no_contact', async () => {
      const h = harness({}, { contacts: { T1: { ...ANA, phone: null } } });
      expect(await h.send('message:sms', smsItem())).toMatchObject({
        tag: 'rejected',
        code: 'no_contact',
      });
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('Twilio’s refusals', () => {
    const post = (form: Record<string, string>) =>
      fetch(`${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));

    it('the fake refuses a message missing a required field with Twilio’s error', async () => {
      expect(await post({ From: FROM, Body: 'x' })).toEqual({
        status: 400,
        body: twilioError(400, 21604, "A 'To' phone number is required."),
      });
      expect(await post({ To: ANA.phone!, Body: 'x' })).toMatchObject({
        status: 400,
        body: { code: 21603 },
      });
      expect(await post({ To: ANA.phone!, From: FROM })).toMatchObject({
        status: 400,
        body: { code: 21602 },
      });
    });

    it('a missing required field is rejected with Twilio’s code', async () => {
      const client = createTwilioClient({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        baseUrl: fake.url,
        now: Date.now,
      });
      expect(await client.sendMessage({ To: ANA.phone!, From: FROM })).toEqual({
        tag: 'rejected',
        code: '21602',
        reason: 'Message body is required.',
      });
    });

    it('an invalid To is rejected with 21211', async () => {
      const h = harness({}, { contacts: { T1: { ...ANA, phone: '555-0101' } } });
      expect(await h.send('message:sms', smsItem())).toMatchObject({
        tag: 'rejected',
        code: '21211',
      });
    });

    it('a recipient who texted STOP is rejected with 21610', async () => {
      fake.optedOut.add(ANA.phone!);
      expect(await harness().send('message:sms', smsItem())).toEqual({
        tag: 'rejected',
        code: '21610',
        reason: 'Attempt to send to unsubscribed recipient',
      });
    });

    it('bad credentials: Twilio answers 401 with 20003 and the item waits for the operator', async () => {
      const outcome = await harness({ ARREARS_TWILIO_AUTH_TOKEN: 'wrong' }).send(
        'message:sms',
        smsItem(),
      );
      expect(outcome).toEqual({ tag: 'retryable', reason: 'credentials refused: Authenticate' });
      expect(fake.messages.size).toBe(0);
    });

    it('429 (20429) is retried after its Retry-After, then the message is sent once', async () => {
      fake.failNext(1, 429, { 'retry-after': '0' }, twilioError(429, 20429, 'Too Many Requests'));
      expect((await harness().send('message:sms', smsItem())).tag).toBe('accepted');
      expect(fake.requests).toHaveLength(2);
      expect(fake.messages.size).toBe(1);
    });

    it('a 429 asking for a long wait becomes retry_after', async () => {
      fake.failNext(1, 429, { 'retry-after': '120' }, twilioError(429, 20429, 'Too Many Requests'));
      expect(await harness().send('message:sms', smsItem())).toMatchObject({ tag: 'retry_after' });
    });

    it('5xx is retried (Twilio did not process it), then the message is sent once', async () => {
      fake.failNext(1, 503, {}, twilioError(503, 20500, 'Service Unavailable'));
      fake.failNext(1, 500, {}, twilioError(500, 20500, 'Internal Server Error'));
      expect((await harness().send('message:sms', smsItem())).tag).toBe('accepted');
      expect(fake.requests).toHaveLength(3);
      expect(fake.messages.size).toBe(1);
    });
  });

  describe('notice calls (POST …/Calls.json with inline TwiML)', () => {
    it('places the call with TwiML saying the notice in Spanish and offering the office', async () => {
      const outcome = await harness().send('message:voice', voiceItem());
      expect(outcome).toEqual({
        tag: 'accepted',
        externalId: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      });
      const req = fake.requests[0]!;
      expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
      expect(req.form).toEqual({
        To: ANA.phone,
        From: FROM,
        StatusCallback: HOOK,
        Twiml:
          XML +
          '<Response><Say language="es-MX">Hola Ana, su renta de $1,200.00 está vencida.</Say>' +
          `<Gather input="dtmf" numDigits="1" action="${HOOK}?gather=L1%3A1%3Alate-notice%3Avoice&amp;office=%2B14155550100&amp;lang=es-MX" method="POST">` +
          '<Say language="es-MX">Para hablar con Oak Court, marque 1.</Say></Gather></Response>',
      });
    });

    it('pressing 1 is answered with TwiML dialling the office; another key says goodbye', async () => {
      const h = harness();
      const app = await h.webhookApp();
      transport = callbacksInto(app);
      const sid = ((await h.send('message:voice', voiceItem())) as { externalId: string })
        .externalId;

      const one = await fake.pressKeys(sid, '1');
      expect(one.status).toBe(200);
      expect(one.text).toBe(
        `${XML}<Response><Say language="es-MX">Le comunicamos ahora.</Say><Dial>+14155550100</Dial></Response>`,
      );
      const two = await fake.pressKeys(sid, '2');
      expect(two.text).toBe(
        `${XML}<Response><Say language="es-MX">Adiós.</Say><Hangup/></Response>`,
      );
    });

    it('the office number in the gather URL cannot be swapped: the signature covers it', async () => {
      const app = await harness().webhookApp();
      const params = { CallSid: 'CA1', CallStatus: 'in-progress', Digits: '1' };
      const signedUrl = `${HOOK}?gather=k&office=%2B14155550100&lang=en-US`;
      const res = await inject(
        app,
        `${HOOK}?gather=k&office=%2B19005550000&lang=en-US`,
        params,
        signedBy(AUTH_TOKEN, signedUrl, params),
      );
      expect(res.statusCode).toBe(401);
    });

    it('calls need a caller id', async () => {
      const h = harness({
        ARREARS_TWILIO_FROM: undefined,
        ARREARS_TWILIO_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef',
      });
      expect(await h.send('message:voice', voiceItem())).toMatchObject({
        tag: 'rejected',
        code: 'no_from',
      });
      expect(fake.requests).toHaveLength(0);
    });

    it('the fake refuses a call without To with Twilio’s error', async () => {
      const client = createTwilioClient({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        baseUrl: fake.url,
        now: Date.now,
      });
      expect(await client.placeCall({ From: FROM, Twiml: '<Response/>' })).toMatchObject({
        tag: 'rejected',
        code: '21201',
      });
    });
  });

  describe('webhook /webhooks/twilio', () => {
    it('an inbound STOP, signed by Twilio, reaches the reply sink and is answered with empty TwiML', async () => {
      const h = harness();
      transport = callbacksInto(await h.webhookApp());
      const sent = await fake.sendInboundSms(HOOK, {
        from: ANA.phone!,
        to: FROM,
        body: 'STOP',
        optOutType: 'STOP',
      });
      expect(sent.status).toBe(200);
      expect(sent.text).toBe(`${XML}<Response/>`);
      expect(h.inbound.replies).toEqual([
        {
          channel: 'sms',
          from: ANA.phone,
          to: FROM,
          text: 'STOP',
          providerMessageId: sent.params.MessageSid,
          receivedAt: expect.any(String),
        },
      ]);
    });

    it('answers TwiML as text/xml', async () => {
      const app = await harness().webhookApp();
      const params = {
        MessageSid: 'SM9',
        SmsStatus: 'received',
        From: ANA.phone!,
        To: FROM,
        Body: 'hola',
      };
      const res = await inject(app, HOOK, params, signedBy(AUTH_TOKEN, HOOK, params));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
    });

    it('status callbacks over time: only the final one is a delivery receipt', async () => {
      await fake.close();
      await startFake({ delayMs: 5 });
      const h = harness();
      transport = callbacksInto(await h.webhookApp());
      const sid = ((await h.send('message:sms', smsItem())) as { externalId: string }).externalId;
      await fake.settled();
      expect(fake.callbacks.map((c) => [c.params.MessageStatus, c.status])).toEqual([
        ['queued', 200],
        ['sent', 200],
        ['delivered', 200],
      ]);
      expect(h.inbound.deliveries).toEqual([
        {
          eventId: expect.any(String),
          status: 'delivered',
          providerMessageId: sid,
          at: expect.any(String),
          detail: null,
        },
      ]);
      expect(fake.messages.get(sid)!.status).toBe('delivered');
    });

    it('an undelivered message carries its ErrorCode', async () => {
      await fake.close();
      await startFake({ delayMs: 1, messageOutcome: 'undelivered', errorCode: '30006' });
      const h = harness();
      transport = callbacksInto(await h.webhookApp());
      await h.send('message:sms', smsItem());
      await fake.settled();
      expect(h.inbound.deliveries).toEqual([
        expect.objectContaining({ status: 'undelivered', detail: '30006' }),
      ]);
    });

    it('a completed call is delivered; a busy one undelivered with the status as detail', async () => {
      for (const [callOutcome, status, detail] of [
        ['completed', 'delivered', null],
        ['busy', 'undelivered', 'busy'],
      ] as const) {
        await fake.close();
        await startFake({ delayMs: 1, callOutcome });
        const h = harness();
        transport = callbacksInto(await h.webhookApp());
        const sid = ((await h.send('message:voice', voiceItem())) as { externalId: string })
          .externalId;
        await fake.settled();
        expect(h.inbound.deliveries).toEqual([
          {
            eventId: expect.any(String),
            status,
            providerMessageId: sid,
            at: expect.any(String),
            detail,
          },
        ]);
      }
    });

    it('the same callback delivered twice is handled once', async () => {
      const h = harness();
      const app = await h.webhookApp();
      const { body, headers } = fake.signed(HOOK, {
        MessageSid: 'SM1',
        SmsStatus: 'received',
        From: ANA.phone!,
        To: FROM,
        Body: 'STOP',
      });
      const send = () =>
        app.inject({ method: 'POST', url: '/webhooks/twilio', payload: body, headers });
      expect((await send()).statusCode).toBe(200);
      const second = await send();
      expect(second.statusCode).toBe(200);
      // Still TwiML (Twilio reads the answer), and nothing handled twice.
      expect(second.headers['content-type']).toContain('text/xml');
      expect(second.body).toContain('<Response');
      expect(h.inbound.replies).toHaveLength(1);
    });

    it('without an idempotency token, each status of a message is its own event', async () => {
      const h = harness();
      const app = await h.webhookApp();
      const status = (s: string) => {
        const params = {
          MessageSid: 'SM1',
          MessageStatus: s,
          SmsStatus: s,
          To: ANA.phone!,
          From: FROM,
        };
        return inject(app, HOOK, params, signedBy(AUTH_TOKEN, HOOK, params));
      };
      expect((await status('sent')).json()).toMatchObject({
        duplicate: false,
        eventId: 'SM1:sent',
      });
      expect((await status('delivered')).json()).toMatchObject({
        duplicate: false,
        eventId: 'SM1:delivered',
      });
      expect((await status('delivered')).json()).toMatchObject({ duplicate: true });
      expect(h.inbound.deliveries).toHaveLength(1);
    });

    it('accepts a signature over the URL with the explicit default port', async () => {
      const h = harness();
      const app = await h.webhookApp();
      const params = { MessageSid: 'SM2', MessageStatus: 'delivered', SmsStatus: 'delivered' };
      const res = await inject(
        app,
        HOOK,
        params,
        signedBy(AUTH_TOKEN, 'https://arrears.example.com:443/webhooks/twilio', params),
      );
      expect(res.statusCode).toBe(200);
      expect(h.inbound.deliveries).toHaveLength(1);
    });

    it('refuses a forged, a tampered and an unsigned callback with 401', async () => {
      const h = harness();
      const app = await h.webhookApp();
      const params = {
        MessageSid: 'SM3',
        SmsStatus: 'received',
        From: ANA.phone!,
        To: FROM,
        Body: 'STOP',
      };
      const forged = await inject(app, HOOK, params, signedBy('not-the-token', HOOK, params));
      const tampered = await inject(
        app,
        HOOK,
        { ...params, Body: 'START' },
        signedBy(AUTH_TOKEN, HOOK, params),
      );
      const unsigned = await inject(app, HOOK, params);
      for (const res of [forged, tampered, unsigned]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ type: 'urn:arrears:problem:webhook_signature_invalid' });
      }
      expect(h.inbound.replies).toHaveLength(0);
      // Twilio signs no timestamp: there is no stale check, replays are caught by the event id.
    });

    it('a JSON body is checked against its bodySHA256', async () => {
      const app = await harness().webhookApp();
      const body = JSON.stringify({ type: 'com.twilio.messaging.message.delivered' });
      const hash = createHash('sha256').update(body).digest('hex');
      const url = `${HOOK}?bodySHA256=${hash}`;
      const headers = {
        'content-type': 'application/json',
        'x-twilio-signature': twilioSignature(AUTH_TOKEN, url),
      };
      const path = `/webhooks/twilio?bodySHA256=${hash}`;
      expect(
        (await app.inject({ method: 'POST', url: path, payload: body, headers })).statusCode,
      ).toBe(200);
      const altered = body.replace('delivered', 'failed');
      expect(
        (await app.inject({ method: 'POST', url: path, payload: altered, headers })).statusCode,
      ).toBe(401);
    });

    it('with no Auth Token configured every callback is refused (503)', async () => {
      const h = harness({ ARREARS_TWILIO_AUTH_TOKEN: ' ' });
      expect(h.instance.webhook!.secretConfigured).toBe(false);
      const app = await h.webhookApp();
      const params = { MessageSid: 'SM4', SmsStatus: 'received', From: ANA.phone!, Body: 'STOP' };
      const res = await inject(app, HOOK, params, signedBy(' ', HOOK, params));
      expect(res.statusCode).toBe(503);
      expect(h.inbound.replies).toHaveLength(0);
    });
  });

  describe('connectors test twilio (GET /2010-04-01/Accounts/{AccountSid}.json)', () => {
    it('is ok with the right credentials', async () => {
      expect(await harness().instance.verify()).toMatchObject({ ok: true });
      expect(fake.requests[0]!.method).toBe('GET');
      expect(fake.requests[0]!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`);
    });

    it('is not ok with bad credentials, and says why', async () => {
      const result = await harness({ ARREARS_TWILIO_AUTH_TOKEN: 'wrong' }).instance.verify();
      expect(result.ok).toBe(false);
      expect(result.detail).toContain('401 (20003 Authenticate)');
      expect(result.detail).not.toContain('wrong');
    });
  });
});
