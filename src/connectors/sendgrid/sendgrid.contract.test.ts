import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANA,
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { AUTH_REFUSED, startSendgridFake, type SendgridFake } from './fake-server.js';
import { sendgridConnector } from './index.js';

// SendGrid's Signed Event Webhook key pair: the fake signs, the connector verifies.
const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC_KEY = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const API_KEY = 'SG.contract-test-key';
const PARSE_TOKEN = 'parse-token-contract-test';
const KEY = 'L1:1:late-notice:email';

let fake: SendgridFake;
beforeEach(async () => {
  fake = await startSendgridFake({ apiKey: API_KEY, privateKey: pair.privateKey });
});
afterEach(() => fake.close());

function harness(over: Record<string, string | undefined> = {}, contacts = {}) {
  return connectorHarness(
    sendgridConnector,
    {
      ARREARS_SENDGRID_API_KEY: API_KEY,
      ARREARS_SENDGRID_FROM: 'Oak Court <office@oakcourt.example>',
      ARREARS_SENDGRID_WEBHOOK_PUBLIC_KEY: PUBLIC_KEY,
      ARREARS_SENDGRID_INBOUND_PARSE_TOKEN: PARSE_TOKEN,
      ARREARS_SENDGRID_BASE_URL: fake.url,
      ...over,
    },
    { contacts: { T1: ANA, ...contacts } },
  );
}

const email = (over: Parameters<typeof outboxItem>[0] = {}) =>
  outboxItem({ key: KEY, action: 'email', channel: 'email', ...over });

async function sentMail() {
  const outcome = await harness().send('message:email', email());
  expect(outcome.tag).toBe('accepted');
  return fake.sent[0]!;
}

async function postEvents(
  h: ReturnType<typeof harness>,
  post: ReturnType<SendgridFake['signedEvents']>,
) {
  const app = await h.webhookApp();
  return app.inject({
    method: 'POST',
    url: '/webhooks/sendgrid',
    payload: post.body,
    headers: post.headers,
  });
}

describe('sendgrid connector: mail send', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(sendgridConnector)).toEqual([]);
  });

  it('posts the documented mail send body and takes X-Message-Id as the message id', async () => {
    const outcome = await harness().send('message:email', email());
    const mail = fake.sent[0]!;
    expect(outcome).toEqual({ tag: 'accepted', externalId: mail.messageId });
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v3/mail/send');
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({
      personalizations: [
        {
          to: [{ email: 'ana@example.com', name: 'Ana Ruiz' }],
          headers: {
            'List-Unsubscribe': '<https://arrears.example.com/unsubscribe/tok-T1>',
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        },
      ],
      from: { email: 'office@oakcourt.example', name: 'Oak Court' },
      subject: 'Your rent is past due',
      content: [
        {
          type: 'text/plain',
          value: 'Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.',
        },
      ],
      custom_args: { arrears_key: KEY },
    });
  });

  it('refuses a contact without an e-mail address before calling SendGrid', async () => {
    const outcome = await harness({}, { T1: { ...ANA, email: null } }).send(
      'message:email',
      email(),
    );
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'no_contact' });
    expect(fake.requests).toHaveLength(0);
  });

  it('SendGrid refuses a body missing its required fields, naming each field', async () => {
    const res = await fetch(`${fake.url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body.errors.map((e) => e.field)).toEqual([
      'personalizations',
      'from.email',
      'subject',
      'content',
    ]);
  });

  it('an item without a subject is refused by SendGrid and fails with its field', async () => {
    const item = email({ payload: { body: 'Hola Ana', pastDueCents: 120000 } });
    const outcome = await harness().send('message:email', item);
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'subject' });
    expect((outcome as { reason: string }).reason).toMatch(/^The subject is required/);
    expect(fake.sent).toHaveLength(0);
  });

  it('a refused API key leaves the item waiting for the operator, with SendGrid’s message', async () => {
    const outcome = await harness({ ARREARS_SENDGRID_API_KEY: 'SG.wrong' }).send(
      'message:email',
      email(),
    );
    expect(outcome).toEqual({
      tag: 'retryable',
      reason: `credentials refused: ${AUTH_REFUSED.errors[0]!.message}`,
    });
  });

  it('a 403 (no Mail Send permission, unverified sender) also waits for the operator', async () => {
    fake.failNext(
      1,
      403,
      {},
      {
        errors: [
          {
            message: 'The from address does not match a verified Sender Identity.',
            field: 'from',
            help: null,
          },
        ],
      },
    );
    const outcome = await harness().send('message:email', email());
    expect(outcome).toMatchObject({ tag: 'retryable' });
    expect((outcome as { reason: string }).reason).toMatch(/verified Sender Identity/);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '0' },
      {
        errors: [{ field: null, message: 'too many requests' }],
      },
    );
    const outcome = await harness().send('message:email', email());
    expect(outcome.tag).toBe('accepted');
    expect(fake.requests).toHaveLength(2);
    expect(fake.sent).toHaveLength(1);
  });

  it('a 429 asking to wait longer than a call may sleep becomes retry_after', async () => {
    fake.failNext(
      1,
      429,
      { 'retry-after': '120' },
      {
        errors: [{ field: null, message: 'too many requests' }],
      },
    );
    const outcome = await harness().send('message:email', email());
    expect(outcome.tag).toBe('retry_after');
    expect(fake.sent).toHaveLength(0);
  });

  it('retries a 5xx, then succeeds', async () => {
    fake.failNext(1, 503);
    const outcome = await harness().send('message:email', email());
    expect(outcome.tag).toBe('accepted');
    expect(fake.requests).toHaveLength(2);
  });

  it('`connectors test sendgrid` checks the key holds mail.send', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    const bad = await harness({ ARREARS_SENDGRID_API_KEY: 'SG.wrong' }).instance.verify();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/401: The provided authorization grant/);
    expect(bad.detail).not.toContain('SG.wrong');
  });

  it('a key without mail.send does not pass verify', async () => {
    await fake.close();
    fake = await startSendgridFake({ apiKey: API_KEY, scopes: ['user.profile.read'] });
    expect(await harness().instance.verify()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/lacks the mail.send/) as unknown,
    });
  });
});

describe('sendgrid connector: Signed Event Webhook', () => {
  it('a signed batch is accepted; delivered becomes a delivery receipt keyed by custom_args', async () => {
    const mail = await sentMail();
    const h = harness();
    const delivered = fake.eventFor(mail, 'delivered', { timestamp: 1791302400 });
    const r = await postEvents(h, fake.signedEvents([fake.eventFor(mail, 'processed'), delivered]));
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ received: true, duplicate: false, handled: 1, ignored: 1 });
    expect(h.inbound.deliveries).toEqual([
      {
        eventId: delivered.sg_event_id,
        status: 'delivered',
        key: KEY,
        at: '2026-10-06T16:00:00.000Z',
        detail: null,
      },
    ]);
  });

  it('bounces, blocks and drops fail the item; deferred, open and click are ignored', async () => {
    const mail = await sentMail();
    const h = harness();
    const r = await postEvents(
      h,
      fake.signedEvents([
        fake.eventFor(mail, 'bounce', {
          type: 'bounce',
          status: '5.1.1',
          reason: '550 no such user',
        }),
        fake.eventFor(mail, 'bounce', { type: 'blocked', status: '5.7.1', reason: 'blocked' }),
        fake.eventFor(mail, 'dropped', { reason: 'Bounced Address' }),
        fake.eventFor(mail, 'deferred', { attempt: '1' }),
        fake.eventFor(mail, 'open'),
        fake.eventFor(mail, 'click', { url: 'https://x.example' }),
      ]),
    );
    expect(r.json()).toMatchObject({ handled: 3, ignored: 3 });
    expect(h.inbound.deliveries.map((d) => [d.status, d.detail])).toEqual([
      ['bounced', '5.1.1 550 no such user'],
      ['failed', '5.7.1 blocked'],
      ['failed', 'Bounced Address'],
    ]);
  });

  it('spam reports and unsubscribes reach the reply pipeline as an opt-out', async () => {
    const mail = await sentMail();
    const h = harness();
    const spam = fake.eventFor(mail, 'spamreport', { timestamp: 1791302400 });
    const unsub = fake.eventFor(mail, 'group_unsubscribe', { asm_group_id: 7 });
    await postEvents(h, fake.signedEvents([spam, unsub, fake.eventFor(mail, 'unsubscribe')]));
    expect(h.inbound.replies).toHaveLength(3);
    expect(h.inbound.replies[0]).toEqual({
      channel: 'email',
      from: 'ana@example.com',
      to: null,
      text: 'STOP',
      subject: null,
      providerMessageId: `sg-event:${spam.sg_event_id}`,
      receivedAt: '2026-10-06T16:00:00.000Z',
    });
    expect(h.inbound.replies[1]!.providerMessageId).toBe(`sg-event:${unsub.sg_event_id}`);
  });

  it('accepts the verification key as PEM too', async () => {
    const mail = await sentMail();
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const h = harness({ ARREARS_SENDGRID_WEBHOOK_PUBLIC_KEY: pem });
    const r = await postEvents(h, fake.signedEvents([fake.eventFor(mail, 'delivered')]));
    expect(r.statusCode).toBe(200);
    expect(h.inbound.deliveries).toHaveLength(1);
  });

  it('refuses a forged, a tampered, an unsigned and a stale post with 401', async () => {
    const mail = await sentMail();
    const h = harness();
    const app = await h.webhookApp();
    const inject = (body: string | Buffer, headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/webhooks/sendgrid', payload: body, headers });

    const other = await startSendgridFake({ apiKey: API_KEY });
    const forged = other.signedEvents([fake.eventFor(mail, 'delivered')]);
    await other.close();
    expect((await inject(forged.body, forged.headers)).statusCode).toBe(401);

    const good = fake.signedEvents([fake.eventFor(mail, 'delivered')]);
    const tampered = String(good.body).replace('"delivered"', '"bounce"');
    expect((await inject(tampered, good.headers)).statusCode).toBe(401);

    expect((await inject(good.body, { 'content-type': 'application/json' })).statusCode).toBe(401);

    const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const stale = fake.signedEvents([fake.eventFor(mail, 'delivered')], twoDaysAgo);
    expect((await inject(stale.body, stale.headers)).statusCode).toBe(401);

    expect(h.inbound.deliveries).toHaveLength(0);
  });

  it('the same batch delivered twice is processed once', async () => {
    const mail = await sentMail();
    const h = harness();
    const app = await h.webhookApp();
    const post = fake.signedEvents([fake.eventFor(mail, 'delivered')]);
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/sendgrid',
        payload: post.body,
        headers: post.headers,
      });
    expect((await send()).json()).toMatchObject({ duplicate: false });
    expect((await send()).json()).toMatchObject({ received: true, duplicate: true });
    expect(h.inbound.deliveries).toHaveLength(1);
  });

  it('names a batch by its sorted sg_event_ids, whatever their order', async () => {
    const mail = await sentMail();
    const h = harness();
    const app = await h.webhookApp();
    const a = fake.eventFor(mail, 'processed');
    const b = fake.eventFor(mail, 'delivered');
    const first = fake.signedEvents([a, b]);
    const again = fake.signedEvents([b, a]);
    const r1 = await app.inject({
      method: 'POST',
      url: '/webhooks/sendgrid',
      payload: first.body,
      headers: first.headers,
    });
    const r2 = await app.inject({
      method: 'POST',
      url: '/webhooks/sendgrid',
      payload: again.body,
      headers: again.headers,
    });
    expect(r2.json()).toMatchObject({
      duplicate: true,
      eventId: r1.json<{ eventId: string }>().eventId,
    });
  });

  it('without a verification key or parse token every post is refused with 503', async () => {
    const h = harness({
      ARREARS_SENDGRID_WEBHOOK_PUBLIC_KEY: undefined,
      ARREARS_SENDGRID_INBOUND_PARSE_TOKEN: undefined,
    });
    expect(h.instance.webhook?.secretConfigured).toBe(false);
    const mail = await sentMail();
    const r = await postEvents(h, fake.signedEvents([fake.eventFor(mail, 'delivered')]));
    expect(r.statusCode).toBe(503);
  });

  it('the fake reports an accepted message processed then delivered to the app over HTTP', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await fake.close();
      fake = await startSendgridFake({
        apiKey: API_KEY,
        privateKey: pair.privateKey,
        eventWebhookUrl: `${address}/webhooks/sendgrid`,
        eventDelayMs: 10,
      });
      const sending = harness();
      expect((await sending.send('message:email', email())).tag).toBe('accepted');
      await expect.poll(() => h.inbound.deliveries.length, { timeout: 5_000 }).toBe(1);
      expect(h.inbound.deliveries[0]).toMatchObject({ status: 'delivered', key: KEY });
    } finally {
      await app.close();
    }
  });
});

describe('sendgrid connector: Inbound Parse', () => {
  const parseUrl = `/webhooks/sendgrid?parse_token=${PARSE_TOKEN}`;
  const fields = {
    headers:
      'Received: by mx.sendgrid.net\nMessage-ID: <CAB123@mail.example.com>\nSubject: Re: Your rent is past due\n',
    from: 'Ana Ruiz <ana@example.com>',
    to: 'replies@parse.oakcourt.example',
    subject: 'Re: Your rent is past due',
    text: 'Pagaré el viernes 300 dólares.\n\nEl lun, 6 oct 2026 a las 9:00, Oak Court <office@oakcourt.example>\nescribió:\n> Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.\n',
    envelope: '{"to":["replies@parse.oakcourt.example"],"from":"ana@example.com"}',
    charsets: '{"to":"UTF-8","from":"UTF-8","subject":"UTF-8","text":"UTF-8"}',
    SPF: 'pass',
  };

  it('a reply posted with the parse token reaches the reply pipeline without the quoted notice', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const post = fake.inboundParse(fields);
    const r = await app.inject({
      method: 'POST',
      url: parseUrl,
      payload: post.body,
      headers: post.headers,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      eventId: 'sg-parse:<CAB123@mail.example.com>',
      replyId: 'r1',
    });
    expect(h.inbound.replies).toEqual([
      {
        channel: 'email',
        from: 'Ana Ruiz <ana@example.com>',
        to: 'replies@parse.oakcourt.example',
        text: 'Pagaré el viernes 300 dólares.',
        subject: 'Re: Your rent is past due',
        providerMessageId: '<CAB123@mail.example.com>',
        receivedAt: expect.any(String) as unknown,
      },
    ]);
    const again = await app.inject({
      method: 'POST',
      url: parseUrl,
      payload: post.body,
      headers: post.headers,
    });
    expect(again.json()).toMatchObject({ duplicate: true });
    expect(h.inbound.replies).toHaveLength(1);
  });

  it('decodes fields in the charset SendGrid names', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const post = fake.inboundParse({
      ...fields,
      text: Buffer.from('Pagaré mañana.', 'latin1'),
      charsets: '{"text":"iso-8859-1","from":"UTF-8"}',
    });
    await app.inject({ method: 'POST', url: parseUrl, payload: post.body, headers: post.headers });
    expect(h.inbound.replies[0]!.text).toBe('Pagaré mañana.');
  });

  it('refuses a parse post with a wrong or no token (401), and without a configured token', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const post = fake.inboundParse(fields);
    const wrong = await app.inject({
      method: 'POST',
      url: '/webhooks/sendgrid?parse_token=guess',
      payload: post.body,
      headers: post.headers,
    });
    expect(wrong.statusCode).toBe(401);
    const none = await app.inject({
      method: 'POST',
      url: '/webhooks/sendgrid',
      payload: post.body,
      headers: post.headers,
    });
    expect(none.statusCode).toBe(401);

    const noToken = harness({ ARREARS_SENDGRID_INBOUND_PARSE_TOKEN: undefined });
    const r = await (
      await noToken.webhookApp()
    ).inject({
      method: 'POST',
      url: parseUrl,
      payload: post.body,
      headers: post.headers,
    });
    expect(r.statusCode).toBe(401);
    expect(h.inbound.replies).toHaveLength(0);
  });

  it('a parse post without a sender is answered 400', async () => {
    const h = harness();
    const app = await h.webhookApp();
    const { from: _from, ...rest } = fields;
    const post = fake.inboundParse(rest);
    const r = await app.inject({
      method: 'POST',
      url: parseUrl,
      payload: post.body,
      headers: post.headers,
    });
    expect(r.statusCode).toBe(400);
    expect(h.inbound.replies).toHaveLength(0);
  });
});
