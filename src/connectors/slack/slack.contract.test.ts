import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { Alert } from '../contract.js';
import { createSlackClient } from './client.js';
import { startSlackFake, type ClickOptions, type SlackFake } from './fake-server.js';
import { slackConnector } from './index.js';
import { alertMessage } from './map.js';
import { slackSignature } from './webhooks.js';

const BOT_TOKEN = 'xoxb-1111-2222-contracttest';
const SIGNING_SECRET = 'slack-signing-secret-contract';
const CHANNEL = 'C0ALERTS';
const MANAGER = {
  id: 'U0MANAGER',
  name: 'maria',
  real_name: 'Maria Lopez',
  email: 'manager@oakcourt.example',
};
const OWNER = {
  id: 'U0OWNER',
  name: 'oscar',
  real_name: 'Oscar Owner',
  email: 'owner@oakcourt.example',
};
const KEY = 'L1:1:late-notice:sms';

const alert: Alert = {
  kind: 'queue_waiting',
  title: '1 action waits for approval',
  text: 'Oak Court',
  items: [
    {
      key: KEY,
      leaseId: 'L1',
      stage: 'late-notice',
      action: 'sms',
      summary: 'Late-notice SMS to Ana Ruiz',
    },
  ],
};

let slack: SlackFake;
const apps: FastifyInstance[] = [];

beforeEach(async () => {
  slack = await startSlackFake({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    channels: [CHANNEL],
    users: [MANAGER, OWNER],
  });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await slack.close();
});

function harness(
  over: Record<string, string | undefined> = {},
  clock?: ReturnType<typeof fixedClock>,
) {
  return connectorHarness(
    slackConnector,
    {
      ARREARS_SLACK_BOT_TOKEN: BOT_TOKEN,
      ARREARS_SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ARREARS_SLACK_CHANNEL: CHANNEL,
      ARREARS_SLACK_BASE_URL: slack.apiUrl,
      ...over,
    },
    clock ? { clock } : {},
  );
}

async function appOf(h: ReturnType<typeof harness>) {
  const app = await h.webhookApp();
  apps.push(app);
  return app;
}

/** A posted alert, then the click Slack would send for it, injected into the real app. */
async function clickThrough(h: ReturnType<typeof harness>, click: ClickOptions) {
  await h.instance.notify!(alert);
  const signed = slack.interaction(click);
  const app = await appOf(h);
  const res = await app.inject({
    method: 'POST',
    url: '/webhooks/slack',
    headers: signed.headers,
    payload: signed.body,
  });
  return { res, signed, app };
}

describe('Slack connector: alerts', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(slackConnector)).toEqual([]);
  });

  it('posts an alert with chat.postMessage: bearer token, channel, fallback text and blocks', async () => {
    const health = await harness().instance.notify!(alert);
    expect(health).toMatchObject({ ok: true });
    expect(health.detail).toMatch(/^posted to C0ALERTS \(C0ALERTS:\d+\.\d{6}\)$/);
    const req = slack.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/chat.postMessage');
    expect(req.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.json).toEqual(alertMessage(alert, CHANNEL));
    expect(Object.keys(req.json as object).sort()).toEqual(['blocks', 'channel', 'text']);
  });

  it("the alert's blocks carry Approve / Reject buttons with the item's key", async () => {
    await harness().instance.notify!(alert);
    const actions = slack.messages[0]!.blocks!.find((b) => b.type === 'actions')!;
    expect(actions.elements).toMatchObject([
      { type: 'button', action_id: 'approve', value: KEY, style: 'primary' },
      {
        type: 'button',
        action_id: 'reject',
        value: KEY,
        style: 'danger',
        confirm: { style: 'danger' },
      },
    ]);
  });

  it('a message with neither text nor blocks is refused with no_text, mapped to rejected', async () => {
    const client = createSlackClient({ botToken: BOT_TOKEN, baseUrl: slack.apiUrl, now: Date.now });
    const outcome = await client.postMessage({ channel: CHANNEL, text: '', blocks: [] });
    expect(outcome).toMatchObject({ tag: 'rejected', code: 'no_text' });
    expect(slack.messages).toHaveLength(0);
  });

  it('a channel the bot cannot see is channel_not_found, said clearly', async () => {
    const health = await harness({ ARREARS_SLACK_CHANNEL: 'C0GONE' }).instance.notify!(alert);
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('Slack refused chat.postMessage to C0GONE: channel_not_found');
    expect(health.detail).toContain('ARREARS_SLACK_CHANNEL');
  });

  it('a bad bot token: Slack answers 200 {ok:false, error:"invalid_auth"}; the alert is not posted', async () => {
    const h = harness({ ARREARS_SLACK_BOT_TOKEN: 'xoxb-wrong' });
    const health = await h.instance.notify!(alert);
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('credentials refused: invalid_auth');
    const client = createSlackClient({
      botToken: 'xoxb-wrong',
      baseUrl: slack.apiUrl,
      now: Date.now,
    });
    expect(await client.postMessage(alertMessage(alert, CHANNEL))).toMatchObject({
      tag: 'retryable',
    });
  });

  it('waits out a 429 Retry-After, then posts', async () => {
    slack.failNext(1, 429, { 'retry-after': '0' });
    const health = await harness().instance.notify!(alert);
    expect(health.ok).toBe(true);
    expect(slack.requests).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
  });

  it('a 429 asking for a longer wait than a call sleeps is reported with when to retry', async () => {
    slack.failNext(1, 429, { 'retry-after': '120' });
    const health = await harness().instance.notify!(alert);
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/rate-limiting chat\.postMessage; retry after \d{4}-/);
  });

  it('tries a 5xx again, then posts', async () => {
    slack.failNext(1, 503);
    const health = await harness().instance.notify!(alert);
    expect(health.ok).toBe(true);
    expect(slack.requests).toHaveLength(2);
  });

  it('verify() runs auth.test: ok with the token, not ok without a valid one', async () => {
    expect(await harness().instance.verify()).toMatchObject({
      ok: true,
      detail: 'auth.test: bot arrears in workspace Oak Court',
    });
    expect(slack.requests[0]!.path).toBe('/api/auth.test');
    const bad = await harness({ ARREARS_SLACK_BOT_TOKEN: 'xoxb-wrong' }).instance.verify();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain('invalid_auth');
  });
});

describe('Slack connector: approve / reject buttons', () => {
  it('a manager clicking Approve approves as their e-mail; the message says who approved', async () => {
    const h = harness();
    const { res } = await clickThrough(h, { user: MANAGER.id, action: 'approve', key: KEY });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(h.inbound.approvals).toEqual([{ key: KEY, user: 'manager@oakcourt.example' }]);
    const lookup = slack.requests.find((r) => r.path === '/api/users.info')!;
    expect(lookup.method).toBe('GET');
    expect(lookup.query.get('user')).toBe(MANAGER.id);
    expect(lookup.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(slack.responses).toHaveLength(1);
    const answer = slack.responses[0]!;
    expect(answer.body.replace_original).toBe(true);
    expect(JSON.stringify(answer.body.blocks)).toContain('Approved by Maria Lopez');
    // The buttons of the decided item are gone; the bot token never went to the response_url.
    expect(JSON.stringify(answer.body.blocks)).not.toContain('"action_id":"approve"');
    const posted = slack.requests.find((r) => r.path.startsWith('/actions/'))!;
    expect(posted.headers.authorization).toBeUndefined();
  });

  it('a manager clicking Reject rejects with the reason naming them', async () => {
    const h = harness();
    await clickThrough(h, { user: MANAGER.id, action: 'reject', key: KEY });
    expect(h.inbound.rejections).toEqual([
      { key: KEY, user: 'manager@oakcourt.example', reason: 'rejected in Slack by Maria Lopez' },
    ]);
    expect(JSON.stringify(slack.responses[0]!.body)).toContain('Rejected by Maria Lopez');
  });

  it('an owner clicking Approve is refused: the refusal is posted back and nothing is approved', async () => {
    const h = harness();
    const { res } = await clickThrough(h, { user: OWNER.id, action: 'approve', key: KEY });
    expect(res.statusCode).toBe(200);
    expect(h.inbound.approvals).toEqual([]);
    const body = JSON.stringify(slack.responses[0]!.body);
    expect(body).toContain('Oscar Owner could not approve: owner@oakcourt.example may not approve');
    // The buttons stay for someone who may use them.
    expect(body).toContain('"action_id":"approve"');
  });

  it('a user Slack cannot look up gets an ephemeral error and nothing is approved', async () => {
    const h = harness();
    await clickThrough(h, { user: 'U0STRANGER', action: 'approve', key: KEY });
    expect(h.inbound.approvals).toEqual([]);
    expect(slack.responses[0]!.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
    });
    expect(String(slack.responses[0]!.body.text)).toContain('user_not_found');
  });

  it('the same click delivered twice is acted on once', async () => {
    const h = harness();
    const { signed, app } = await clickThrough(h, {
      user: MANAGER.id,
      action: 'approve',
      key: KEY,
    });
    const again = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: signed.headers,
      payload: signed.body,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, eventId: signed.payload.trigger_id });
    expect(h.inbound.approvals).toHaveLength(1);
    expect(slack.responses).toHaveLength(1);
  });

  it("a slow users.info does not hold the answer past Slack's 3 s; the outcome follows", async () => {
    const h = harness();
    await h.instance.notify!(alert);
    slack.stallNext(1, 2_600);
    const signed = slack.interaction({ user: MANAGER.id, action: 'approve', key: KEY });
    const app = await appOf(h);
    const started = Date.now();
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: signed.headers,
      payload: signed.body,
    });
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(slack.responses).toHaveLength(0);
    await expect.poll(() => slack.responses.length, { timeout: 3_000 }).toBe(1);
    expect(h.inbound.approvals).toHaveLength(1);
  });

  it('a click sent over HTTP by the fake (as Slack would) is taken', async () => {
    const h = harness();
    await h.instance.notify!(alert);
    const app = await appOf(h);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await slack.click(`${address}/webhooks/slack`, {
      user: MANAGER.id,
      action: 'approve',
      key: KEY,
    });
    expect(res).toEqual({ status: 200, text: '' });
    expect(h.inbound.approvals).toEqual([{ key: KEY, user: 'manager@oakcourt.example' }]);
  });
});

describe('Slack connector: request signing', () => {
  // Slack's documented example ("Verifying requests from Slack"): a slash command body.
  const VECTOR = {
    secret: '8f742231b10e8888abcd99yyyzzz85a5',
    timestamp: '1531420618',
    body:
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  };

  it("accepts Slack's documented signing example (and, not being a click, acts on nothing)", async () => {
    const clock = fixedClock(Number(VECTOR.timestamp) * 1000 + 30_000);
    const h = harness({ ARREARS_SLACK_SIGNING_SECRET: VECTOR.secret }, clock);
    const app = await appOf(h);
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': VECTOR.timestamp,
        'x-slack-signature': VECTOR.signature,
      },
      payload: VECTOR.body,
    });
    expect(res.statusCode).toBe(200);
    expect(h.inbound.approvals).toEqual([]);
    expect(slack.requests).toHaveLength(0);
  });

  async function refused(click: ClickOptions, tamper?: (body: string) => string) {
    const h = harness();
    await h.instance.notify!(alert);
    const signed = slack.interaction(click);
    const app = await appOf(h);
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: signed.headers,
      payload: tamper ? tamper(signed.body) : signed.body,
    });
    return { res, h };
  }
  const click = { user: MANAGER.id, action: 'approve', key: KEY } as const;

  it('refuses a forged signature (401), acting on nothing', async () => {
    const { res, h } = await refused({ ...click, signingSecret: 'not-the-secret' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('X-Slack-Signature does not match the body');
    expect(h.inbound.approvals).toEqual([]);
  });

  it('refuses a tampered body (401)', async () => {
    const { res, h } = await refused(click, (b) => b.replace('U0MANAGER', 'U0OWNERXX'));
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('X-Slack-Signature does not match the body');
    expect(h.inbound.approvals).toEqual([]);
  });

  it('refuses a request signed more than 5 minutes ago (401)', async () => {
    const { res, h } = await refused({ ...click, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('more than 5 minutes from now');
    expect(h.inbound.approvals).toEqual([]);
  });

  it('refuses a request without the signature headers (401)', async () => {
    const app = await appOf(harness());
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'payload=%7B%7D',
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('no X-Slack-Signature header');
  });

  it('with no signing secret configured every request is refused (503)', async () => {
    const h = harness({ ARREARS_SLACK_SIGNING_SECRET: undefined });
    expect(h.instance.webhook!.secretConfigured).toBe(false);
    await h.instance.notify!(alert);
    const signed = slack.interaction(click);
    const res = await (
      await appOf(h)
    ).inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: signed.headers,
      payload: signed.body,
    });
    expect(res.statusCode).toBe(503);
    expect(h.inbound.approvals).toEqual([]);
  });

  it("answers the Events API's url_verification challenge when signed", async () => {
    const app = await appOf(harness());
    const body = JSON.stringify({
      token: 'legacy',
      challenge: 'c-3x4mple',
      type: 'url_verification',
    });
    const t = String(Math.floor(Date.now() / 1000));
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': t,
        'x-slack-signature': slackSignature(SIGNING_SECRET, t, body),
      },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'c-3x4mple' });
    const unsigned = await app.inject({
      method: 'POST',
      url: '/webhooks/slack',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': t },
      payload: body,
    });
    expect(unsigned.statusCode).toBe(401);
  });
});
