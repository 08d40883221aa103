/**
 * A local Slack for tests and the demo (reference section 6): the Web API under `/api`
 * (chat.postMessage, users.info, auth.test) answering errors the Slack way — HTTP 200 with
 * `{ok: false, error}` — and response_url endpoints under `/actions/…` that record what
 * was posted. `click()` plays a user pressing a button on a posted alert: a signed,
 * form-encoded block_actions payload sent to the app's interactivity URL.
 *
 *   const slack = await startSlackFake({ botToken, signingSecret, channels: ['C0ALERTS'], users });
 *   ARREARS_SLACK_BASE_URL = slack.apiUrl
 *   await slack.click(`${appUrl}/webhooks/slack`, { user: 'U0MANAGER', action: 'approve', key });
 */
import { randomBytes } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import type { SlackBlock } from './map.js';
import { slackSignature } from './webhooks.js';

export const FAKE_TEAM = { id: 'T0ARREARS', domain: 'oakcourt' };

export interface FakeSlackUser {
  id: string;
  name: string;
  real_name: string;
  /** Absent: the user has no visible e-mail (a bot, or a token without users:read.email). */
  email?: string;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: SlackBlock[];
}

export interface SlackFakeOptions {
  botToken: string;
  signingSecret: string;
  /** Channel ids the bot is in; any other is `channel_not_found`. */
  channels: string[];
  users: FakeSlackUser[];
}

export interface ClickOptions {
  /** The Slack user id who clicks. */
  user: string;
  action: 'approve' | 'reject';
  /** The button's value: the outbox key. */
  key: string;
  /** Default: a fresh one per click, as Slack mints. */
  triggerId?: string;
  /** Unix seconds the request is signed at (default now). */
  timestamp?: number;
  /** Sign with another secret (a forgery). */
  signingSecret?: string;
}

export interface SignedInteraction {
  body: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

export interface SlackFake extends FakeServer {
  /** The Web API base: ARREARS_SLACK_BASE_URL. */
  apiUrl: string;
  /** Messages chat.postMessage accepted. */
  messages: PostedMessage[];
  /** Bodies posted to response_urls, with the URL's path. */
  responses: { path: string; body: Record<string, unknown> }[];
  /** The block_actions request Slack would send for this click (signed). */
  interaction(options: ClickOptions): SignedInteraction;
  /** Sends that request to the app's interactivity URL. */
  click(url: string, options: ClickOptions): Promise<{ status: number; text: string }>;
}

/** Slack's error shape: HTTP 200 unless said otherwise. */
function slackError(reply: FakeReply, error: string, status = 200, extra: object = {}) {
  reply.json(status, { ok: false, error, ...extra });
}

/** Web API arguments from a JSON or form body, else the query string. */
function argsOf(req: FakeRequest): Record<string, unknown> {
  if (req.json !== null && typeof req.json === 'object') return req.json as Record<string, unknown>;
  if (Object.keys(req.form).length > 0) return req.form;
  return Object.fromEntries(req.query);
}

const nonEmpty = (v: unknown) =>
  (typeof v === 'string' && v.trim() !== '') || (Array.isArray(v) && v.length > 0);

export async function startSlackFake(options: SlackFakeOptions): Promise<SlackFake> {
  const messages: PostedMessage[] = [];
  const responses: SlackFake['responses'] = [];
  const users = new Map(options.users.map((u) => [u.id, u]));
  let seq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

  function authorised(req: FakeRequest, reply: FakeReply): boolean {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      slackError(reply, 'not_authed');
      return false;
    }
    if (header !== `Bearer ${options.botToken}`) {
      slackError(reply, 'invalid_auth');
      return false;
    }
    return true;
  }

  const methods: Record<string, (req: FakeRequest, reply: FakeReply) => void> = {
    'chat.postMessage'(req, reply) {
      const args = argsOf(req);
      const channel = typeof args.channel === 'string' ? args.channel : '';
      if (!options.channels.includes(channel)) return slackError(reply, 'channel_not_found');
      if (!nonEmpty(args.text) && !nonEmpty(args.blocks) && !nonEmpty(args.attachments))
        return slackError(reply, 'no_text');
      if (args.blocks !== undefined && (!Array.isArray(args.blocks) || args.blocks.length > 50))
        return slackError(reply, 'invalid_blocks');
      const message: PostedMessage = {
        channel,
        ts: nextTs(),
        ...(typeof args.text === 'string' ? { text: args.text } : {}),
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks as SlackBlock[] } : {}),
      };
      messages.push(message);
      reply.json(200, {
        ok: true,
        channel,
        ts: message.ts,
        message: {
          type: 'message',
          subtype: 'bot_message',
          text: message.text,
          blocks: message.blocks,
          ts: message.ts,
        },
      });
    },
    'users.info'(req, reply) {
      const id = argsOf(req).user;
      if (typeof id !== 'string' || id === '') return slackError(reply, 'invalid_arguments');
      const user = users.get(id);
      if (user === undefined) return slackError(reply, 'user_not_found');
      reply.json(200, {
        ok: true,
        user: {
          id: user.id,
          team_id: FAKE_TEAM.id,
          name: user.name,
          deleted: false,
          real_name: user.real_name,
          is_bot: false,
          profile: {
            real_name: user.real_name,
            display_name: user.name,
            ...(user.email !== undefined ? { email: user.email } : {}),
          },
        },
      });
    },
    'auth.test'(_req, reply) {
      reply.json(200, {
        ok: true,
        url: `https://${FAKE_TEAM.domain}.slack.com/`,
        team: 'Oak Court',
        user: 'arrears',
        team_id: FAKE_TEAM.id,
        user_id: 'U0ARREARS',
        bot_id: 'B0ARREARS',
      });
    },
  };

  const fake = await startFake((req, reply) => {
    if (req.path.startsWith('/actions/')) {
      responses.push({ path: req.path, body: (req.json ?? {}) as Record<string, unknown> });
      return reply.json(200, { ok: true });
    }
    const method = req.path.startsWith('/api/')
      ? methods[req.path.slice('/api/'.length)]
      : undefined;
    if (method === undefined) return slackError(reply, 'unknown_method', 404);
    if (!authorised(req, reply)) return;
    method(req, reply);
  });

  function interaction(click: ClickOptions): SignedInteraction {
    const message = [...messages].reverse().find((m) => buttonOf(m, click) !== undefined);
    const found = message && buttonOf(message, click);
    const user = users.get(click.user);
    const name = user?.name ?? click.user.toLowerCase();
    const payload = {
      type: 'block_actions',
      user: { id: click.user, username: name, name, team_id: FAKE_TEAM.id },
      api_app_id: 'A0ARREARS',
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: message?.ts ?? '0',
        channel_id: message?.channel ?? 'C0UNKNOWN',
        is_ephemeral: false,
      },
      trigger_id: click.triggerId ?? `${Date.now()}.${randomBytes(6).toString('hex')}`,
      team: FAKE_TEAM,
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message?.channel ?? 'C0UNKNOWN', name: 'arrears-staff' },
      message: message
        ? { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks }
        : undefined,
      state: { values: {} },
      response_url: `${fake.url}/actions/${FAKE_TEAM.id}/${++seq}/${randomBytes(12).toString('hex')}`,
      actions: [
        {
          action_id: click.action,
          block_id: found?.blockId ?? 'queue:0',
          text: {
            type: 'plain_text',
            text: click.action === 'approve' ? 'Approve' : 'Reject',
            emoji: true,
          },
          value: click.key,
          style: click.action === 'approve' ? 'primary' : 'danger',
          type: 'button',
          action_ts: `${Math.floor(Date.now() / 1000)}.${randomBytes(3).readUIntBE(0, 3)}`,
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = String(click.timestamp ?? Math.floor(Date.now() / 1000));
    return {
      body,
      payload,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(
          click.signingSecret ?? options.signingSecret,
          timestamp,
          body,
        ),
      },
    };
  }

  const injectFault = fake.failNext;
  return Object.assign(fake, {
    apiUrl: `${fake.url}/api`,
    messages,
    responses,
    interaction,
    async click(url: string, click: ClickOptions) {
      const signed = interaction(click);
      return postCallback(url, signed.body, signed.headers);
    },
    // Slack's own body on a fault: `ratelimited` with the 429, an internal error otherwise.
    failNext(times: number, status: number, headers?: Record<string, string>, body?: unknown) {
      injectFault(
        times,
        status,
        headers,
        body ?? { ok: false, error: status === 429 ? 'ratelimited' : 'internal_error' },
      );
    },
  });
}

/** The block id of the button for this click on a posted message, if it has one. */
function buttonOf(message: PostedMessage, click: ClickOptions): { blockId: string } | undefined {
  for (const block of message.blocks ?? []) {
    if (block.type !== 'actions' || !Array.isArray(block.elements)) continue;
    const hit = (block.elements as { action_id?: string; value?: string }[]).some(
      (e) => e.action_id === click.action && e.value === click.key,
    );
    if (hit && typeof block.block_id === 'string') return { blockId: block.block_id };
  }
  return undefined;
}
