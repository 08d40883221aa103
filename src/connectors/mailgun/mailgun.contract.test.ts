import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { startMailgunFake, type MailgunFake } from './fake-server.js';
import { mailgunConnector } from './index.js';
import { signMailgun } from './webhooks.js';

const API_KEY = 'key-contract-test';
const DOMAIN = 'mg.oakcourt.example';
const SIGNING_KEY = 'signing-key-contract-test';
const KEY = 'L1:1:late-notice:email';

let fake: MailgunFake;
beforeEach(async () => {
  fake = await startMailgunFake({
    apiKey: API_KEY,
    domain: DOMAIN,
    webhookSigningKey: SIGNING_KEY,
  });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}, contacts = {}) {
  return connectorHarness(
    mailgunConnector,
    {
      ARREARS_MAILGUN_API_KEY: API_KEY,
      ARREARS_MAILGUN_DOMAIN: DOMAIN,
      ARREARS_MAILGUN_FROM: 'Oak Court <office@mg.oakcourt.example>',
      ARREARS_MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
      ARREARS_MAILGUN_BASE_URL: fake.url,
      ...over,
    },
    { contacts: { T1: ANA, ...contacts } },
  );
}

const email = (over: Parameters<typeof outboxItem>[0] = {}) =>
  outboxItem({ key: KEY, action: 'email', channel: 'email', ...over });

async function sentMessage() {
  expect((await harness().send('message:email', email())).tag).toBe('accepted');
  return fake.sent[0]!;
}

async function inject(
  h: ReturnType<typeof harness>,
  post: { body: string | Buffer; headers: Record<string, string> },
) {
  const app = await h.webhookApp();
  return app.inject({
    method: 'POST',
    url: '/webhooks/mailgun',
    payload: post.body,
    headers: post.headers,
  });
}

describe('mailgun connector: Messages API', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(mailgunConnector)).toEqual([]);
  });

  it('posts the documented form fields and takes the answer’s id as the message id', async () => {
    const outcome = await harness().send('message:email', email());
    const message = fake.sent[0]!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: message.id });
    expect(message.id).not.toMatch(/[<>]/);
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/v3/${DOMAIN}/messages`);
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`,
    );
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.form).toEqual({
      from: 'Oak Court <office@mg.oakcourt.example>',
      to: 'Ana Ruiz <ana@example.com>',
      subject: 'Your rent is past due',
      text: 'Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.',
      'h:List-Unsubscribe': '<https://arrears.example.com/unsubscribe/tok-T1>',
      'h:List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'v:arrears_key': KEY,
    });
  });

  it('quotes a recipient name holding specials', async () => {
    await harness({}, { T1: { ...ANA, name: 'Ruiz, Ana "A."' } }).send('message:email', email());
    expect(fake.requests[0]!.form.to).toBe('"Ruiz, Ana \\"A.\\"" <ana@example.com>');
  });

  it('refuses a contact without an e-mail address before calling Mailgun', async () => {
    const outcome = await harness({}, { T1: { ...ANA, email: null } }).send(
      'message:email',
      email(),
    );
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'no_contact' });
    expect(fake.requests).toHaveLength(0);
  });

  it('Mailgun refuses a message missing a required field with {message}', async () => {
    const res = await fetch(`${fake.url}/v3/${DOMAIN}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'to=ana%40example.com&subject=x&text=y',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "'from' parameter is missing" });
  });

  it('an item without a subject is refused by Mailgun and fails with its message', async () => {
    const outcome = await harness().send(
      'message:email',
      email({ payload: { body: 'Hola Ana', pastDueCents: 120000 } }),
    );
    expect(outcome).toEqual({
      tag: 'rejected',
      code: '400',
      reason: "'subject' parameter is missing",
    });
    expect(fake.sent).toHaveLength(0);
  });

  it('a refused API key (401 Forbidden) leaves the item waiting for the operator', async () => {
    const outcome = await harness({ ARREARS_MAILGUN_API_KEY: 'key-wrong' }).send(
      'message:email',
      email(),
    );
    expect(outcome).toEqual({ tag: 'retryable', reason: 'credentials refused: Forbidden' });
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    fake.failNext(1, 429, { 'retry-after': '0' }, { message: 'Too many requests' });
    const outcome = await harness().send('message:email', email());
    expect(outcome.tag).toBe('accepted');
    expect(fake.requests).toHaveLength(2);
    expect(fake.sent).toHaveLength(1);
  });

  it('a 429 asking to wait longer than a call may sleep becomes retry_after', async () => {
    fake.failNext(1, 429, { 'retry-after': '120' }, { message: 'Too many requests' });
    expect((await harness().send('message:email', email())).tag).toBe('retry_after');
  });

  it('retries a 5xx (Mailgun recommends retrying 500), then succeeds', async () => {
    fake.failNext(1, 500, {}, { message: 'Internal Server Error' });
    const outcome = await harness().send('message:email', email());
    expect(outcome.tag).toBe('accepted');
    expect(fake.requests).toHaveLength(2);
  });

  it('`connectors test mailgun` reads the domain; a wrong key is not ok', async () => {
    expect(await harness().instance.verify()).toMatchObject({
      ok: true,
      detail: `GET /v3/domains/${DOMAIN}: the domain is active`,
    });
    const bad = await harness({ ARREARS_MAILGUN_API_KEY: 'key-wrong' }).instance.verify();
    expect(bad).toMatchObject({
      ok: false,
      detail: `GET /v3/domains/${DOMAIN} answered 401: Forbidden`,
    });
  });
});

describe('mailgun connector: webhooks', () => {
  it('signs as documented: hex HMAC-SHA256(signing key, timestamp + token)', () => {
    const expected = createHmac('sha256', SIGNING_KEY)
      .update('1791302400' + 'abc123')
      .digest('hex');
    expect(signMailgun(SIGNING_KEY, '1791302400', 'abc123')).toBe(expected);
  });

  it('a signed delivered event becomes a delivery receipt keyed by user-variables', async () => {
    const message = await sentMessage();
    const h = harness();
    const data = fake.eventFor(message, 'delivered', { timestamp: 1791302400.25 });
    const post = fake.signedWebhook(data, { token: 'tok-delivered-1' });
    const r = await inject(h, post);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ received: true, eventId: 'tok-delivered-1', handled: true });
    expect(h.inbound.deliveries).toEqual([
      {
        eventId: data.id,
        status: 'delivered',
        key: KEY,
        providerMessageId: message.id,
        at: '2026-10-06T16:00:00.250Z',
        detail: null,
      },
    ]);
  });

  it('a permanent failure bounces, a suppressed unsubscriber fails, a temporary one is ignored', async () => {
    const message = await sentMessage();
    const h = harness();
    await inject(
      h,
      fake.signedWebhook(
        fake.eventFor(message, 'failed', {
          severity: 'permanent',
          reason: 'bounce',
          'delivery-status': { code: 550, message: '5.1.1 No such user', description: '' },
        }),
      ),
    );
    await inject(
      h,
      fake.signedWebhook(
        fake.eventFor(message, 'failed', { severity: 'permanent', reason: 'suppress-unsubscribe' }),
      ),
    );
    const temporary = await inject(
      h,
      fake.signedWebhook(
        fake.eventFor(message, 'failed', { severity: 'temporary', reason: 'generic' }),
      ),
    );
    expect(temporary.json()).toMatchObject({ handled: false });
    expect(h.inbound.deliveries.map((d) => [d.status, d.detail])).toEqual([
      ['bounced', '550 5.1.1 No such user bounce'],
      ['failed', 'suppress-unsubscribe'],
    ]);
  });

  it('complaints and unsubscribes reach the reply pipeline as an opt-out', async () => {
    const message = await sentMessage();
    const h = harness();
    const complaint = fake.eventFor(message, 'complained', { timestamp: 1791302400 });
    await inject(h, fake.signedWebhook(complaint));
    await inject(h, fake.signedWebhook(fake.eventFor(message, 'unsubscribed')));
    await inject(h, fake.signedWebhook(fake.eventFor(message, 'opened')));
    expect(h.inbound.replies).toHaveLength(2);
    expect(h.inbound.replies[0]).toEqual({
      channel: 'email',
      from: 'ana@example.com',
      to: null,
      text: 'STOP',
      subject: null,
      providerMessageId: `mg-event:${complaint.id as string}`,
      receivedAt: '2026-10-06T16:00:00.000Z',
    });
  });

  it('refuses a forged, a tampered, an unsigned and a stale webhook with 401', async () => {
    const message = await sentMessage();
    const h = harness();
    const app = await h.webhookApp();
    const post = (body: string) =>
      app.inject({
        method: 'POST',
        url: '/webhooks/mailgun',
        payload: body,
        headers: { 'content-type': 'application/json' },
      });
    const data = fake.eventFor(message, 'delivered');
    const good = JSON.parse(fake.signedWebhook(data).body as string) as {
      signature: { timestamp: string; token: string; signature: string };
    };

    const forged = {
      ...good,
      signature: {
        ...good.signature,
        signature: signMailgun('other-key', good.signature.timestamp, good.signature.token),
      },
    };
    expect((await post(JSON.stringify(forged))).statusCode).toBe(401);

    const tampered = {
      ...good,
      signature: { ...good.signature, token: `${good.signature.token}x` },
    };
    expect((await post(JSON.stringify(tampered))).statusCode).toBe(401);

    expect((await post(JSON.stringify({ 'event-data': data }))).statusCode).toBe(401);

    const sixteenMinutesAgo = Math.floor(Date.now() / 1000) - 16 * 60;
    const stale = fake.signedWebhook(data, { timestamp: sixteenMinutesAgo });
    expect((await post(stale.body as string)).statusCode).toBe(401);

    expect(h.inbound.deliveries).toHaveLength(0);
  });

  it('a token seen before is a replay: processed once, answered duplicate', async () => {
    const message = await sentMessage();
    const h = harness();
    const app = await h.webhookApp();
    const post = fake.signedWebhook(fake.eventFor(message, 'delivered'));
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/mailgun',
        payload: post.body,
        headers: post.headers,
      });
    expect((await send()).json()).toMatchObject({ duplicate: false });
    expect((await send()).json()).toMatchObject({ received: true, duplicate: true });
    expect(h.inbound.deliveries).toHaveLength(1);
  });

  it('a signed webhook without event-data is answered 406 (Mailgun does not retry it)', async () => {
    const h = harness();
    const post = fake.signedWebhook({});
    const r = await inject(h, {
      body: JSON.stringify({ signature: JSON.parse(post.body as string).signature as unknown }),
      headers: post.headers,
    });
    expect(r.statusCode).toBe(406);
  });

  it('without a signing key every post is refused with 503', async () => {
    const h = harness({ ARREARS_MAILGUN_WEBHOOK_SIGNING_KEY: undefined });
    expect(h.instance.webhook?.secretConfigured).toBe(false);
    const message = await sentMessage();
    const r = await inject(h, fake.signedWebhook(fake.eventFor(message, 'delivered')));
    expect(r.statusCode).toBe(503);
  });

  it('the fake reports an accepted message delivered to the app over HTTP', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await fake.close();
      fake = await startMailgunFake({
        apiKey: API_KEY,
        domain: DOMAIN,
        webhookSigningKey: SIGNING_KEY,
        webhookUrl: `${address}/webhooks/mailgun`,
        deliveryDelayMs: 10,
      });
      expect((await harness().send('message:email', email())).tag).toBe('accepted');
      await expect.poll(() => h.inbound.deliveries.length, { timeout: 5_000 }).toBe(1);
      expect(h.inbound.deliveries[0]).toMatchObject({
        status: 'delivered',
        key: KEY,
        providerMessageId: fake.sent[0]!.id,
      });
    } finally {
      await app.close();
    }
  });
});

describe('mailgun connector: Route forwards (replies)', () => {
  const forwarded = {
    recipient: 'replies@mg.oakcourt.example',
    sender: 'ana@example.com',
    from: 'Ana Ruiz <ana@example.com>',
    subject: 'Re: Your rent is past due',
    'body-plain': 'Pagaré el viernes.\n\nOn Mon, Oct 6 Oak Court wrote:\n> Hola Ana …',
    'stripped-text': 'Pagaré el viernes.',
    'Message-Id': '<CAB999@mail.example.com>',
    'message-headers': '[["Message-Id", "<CAB999@mail.example.com>"]]',
  };

  it('a signed forward reaches the reply pipeline with Mailgun’s stripped text', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const post = fake.routeForward(forwarded, {
      timestamp: Math.floor(Date.now() / 1000),
      token: 'route-tok-1',
    });
    const r = await app.inject({
      method: 'POST',
      url: '/webhooks/mailgun',
      payload: post.body,
      headers: post.headers,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ eventId: 'route-tok-1', replyId: 'r1' });
    expect(h.inbound.replies).toEqual([
      {
        channel: 'email',
        from: 'Ana Ruiz <ana@example.com>',
        to: 'replies@mg.oakcourt.example',
        text: 'Pagaré el viernes.',
        subject: 'Re: Your rent is past due',
        providerMessageId: '<CAB999@mail.example.com>',
        receivedAt: expect.any(String) as unknown,
      },
    ]);
  });

  it('refuses a forward signed with another key (401) and one without a sender (406)', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const other = await startMailgunFake({
      apiKey: API_KEY,
      domain: DOMAIN,
      webhookSigningKey: 'other',
    });
    const forged = other.routeForward(forwarded);
    await other.close();
    const r = await app.inject({
      method: 'POST',
      url: '/webhooks/mailgun',
      payload: forged.body,
      headers: forged.headers,
    });
    expect(r.statusCode).toBe(401);

    const { from: _f, sender: _s, ...anonymous } = forwarded;
    const post = fake.routeForward(anonymous);
    const r2 = await app.inject({
      method: 'POST',
      url: '/webhooks/mailgun',
      payload: post.body,
      headers: post.headers,
    });
    expect(r2.statusCode).toBe(406);
    expect(h.inbound.replies).toHaveLength(0);
  });
});
