/**
 * Slack's requests to `/webhooks/slack`: interactivity (a click on an alert's approve /
 * reject button, form-encoded `payload=<json>`) and, should the Events API be pointed here,
 * its `url_verification` handshake. All of them are signed (reference section 6):
 *
 *   X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)>
 *
 * with X-Slack-Request-Timestamp within five minutes of our clock.
 *
 * Event id: a click's `trigger_id`. Slack mints one per interaction and a redelivery of the
 * same payload carries it unchanged, while two clicks (even by one user on one button) get
 * two; `action_ts` + user id is the fallback for a payload without one. A url_verification
 * is keyed by its request timestamp too, so a handshake Slack repeats is answered again.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../app/ports/clock.js';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
} from '../../app/ports/webhooks.js';
import type { ConnectorLog } from '../context.js';
import { headerOf, hmac, safeEqual, withinTolerance } from '../signing.js';

export const SIGNATURE_HEADER = 'x-slack-signature';
export const TIMESTAMP_HEADER = 'x-slack-request-timestamp';
export const TOLERANCE_SECONDS = 300;
/** Slack shows the clicking user an error when the answer takes longer than 3 s. */
export const ACK_WITHIN_MS = 2_000;

/** The X-Slack-Signature value of `raw` sent at `timestamp` (unix seconds). */
export function slackSignature(secret: string, timestamp: string, raw: string | Buffer): string {
  return `v0=${hmac('sha256', secret, `v0:${timestamp}:`, raw).toString('hex')}`;
}

export function verifySlackRequest(
  secret: string,
  headers: InboundWebhookRequest['headers'],
  raw: Buffer,
  nowMs: number,
): { ok: true; timestamp: string } | { ok: false; reason: string } {
  const signature = headerOf(headers, SIGNATURE_HEADER);
  const timestamp = headerOf(headers, TIMESTAMP_HEADER);
  if (signature === undefined || signature === '')
    return { ok: false, reason: 'no X-Slack-Signature header' };
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'X-Slack-Request-Timestamp is missing or not unix seconds' };
  if (!withinTolerance(timestamp, nowMs, TOLERANCE_SECONDS))
    return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now' };
  if (!safeEqual(slackSignature(secret, timestamp, raw), signature.trim().toLowerCase()))
    return { ok: false, reason: 'X-Slack-Signature does not match the body' };
  return { ok: true, timestamp };
}

const blockSchema = z.looseObject({ type: z.string(), block_id: z.string().optional() });

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  user: z.object({
    id: z.string().min(1),
    username: z.string().optional(),
    name: z.string().optional(),
    team_id: z.string().optional(),
  }),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        block_id: z.string().optional(),
        value: z.string().optional(),
        action_ts: z.string().optional(),
      }),
    )
    .min(1),
  /** The message the buttons were on, as Slack shows it now. */
  message: z
    .object({
      ts: z.string().optional(),
      text: z.string().optional(),
      blocks: z.array(blockSchema).optional(),
    })
    .optional(),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

export type SlackInbound =
  | { kind: 'block_actions'; click: BlockActions }
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'event_callback'; eventId: string }
  | { kind: 'ignored'; what: string; triggerId?: string };

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, (k, v: unknown) => (k === '__proto__' ? undefined : v));
  } catch {
    return undefined;
  }
}

/** What a verified request is, from the body the router parsed (form fields or JSON). */
export function parseInbound(body: unknown): SlackInbound {
  const fields = record(body);
  if (fields === undefined) return { kind: 'ignored', what: 'a body that is not form or JSON' };
  if (typeof fields.payload === 'string') {
    const payload = record(parseJson(fields.payload));
    const triggerId = typeof payload?.trigger_id === 'string' ? payload.trigger_id : undefined;
    if (payload?.type !== 'block_actions')
      return { kind: 'ignored', what: `a ${String(payload?.type)} interaction`, triggerId };
    const click = blockActionsSchema.safeParse(payload);
    return click.success
      ? { kind: 'block_actions', click: click.data }
      : { kind: 'ignored', what: 'a block_actions payload without user or actions', triggerId };
  }
  if (fields.type === 'url_verification' && typeof fields.challenge === 'string')
    return { kind: 'url_verification', challenge: fields.challenge };
  if (fields.type === 'event_callback' && typeof fields.event_id === 'string')
    return { kind: 'event_callback', eventId: fields.event_id };
  // A slash command posted here carries its own trigger_id.
  const triggerId = typeof fields.trigger_id === 'string' ? fields.trigger_id : undefined;
  return { kind: 'ignored', what: `a ${String(fields.type ?? fields.command)} request`, triggerId };
}

const MAX_ID = 200;
const bodyHash = (raw: Buffer) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;

export function eventIdOf(inbound: SlackInbound, timestamp: string, raw: Buffer): string {
  let id: string | undefined;
  switch (inbound.kind) {
    case 'block_actions': {
      const { click } = inbound;
      const actionTs = click.actions[0]?.action_ts;
      id = click.trigger_id ?? (actionTs ? `${actionTs}:${click.user.id}` : undefined);
      break;
    }
    case 'url_verification':
      id = `url_verification:${timestamp}:${inbound.challenge}`;
      break;
    case 'event_callback':
      id = inbound.eventId;
      break;
    case 'ignored':
      id = inbound.triggerId;
  }
  return id === undefined || id === '' || id.length > MAX_ID ? bodyHash(raw) : id;
}

export interface SlackWebhookOptions {
  /** SIGNING_SECRET; without it every request is refused (503). */
  secret: string | undefined;
  clock: Clock;
  log: ConnectorLog;
  /** Acts on a click and answers through its response_url. */
  onClick(click: BlockActions): Promise<void>;
  ackWithinMs?: number;
}

/** Slack wants the 200 with an empty body; what happened goes to the response_url. */
const ACK: WebhookResponse = { status: 200, body: '', contentType: 'text/plain; charset=utf-8' };

/**
 * Waits for `work` at most `ms`. A quick click (the usual case) is done before the answer;
 * a slow one carries on after it, since Slack gives up on the answer after 3 s anyway.
 */
async function settleWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, deadline]);
  clearTimeout(timer);
}

export function createSlackWebhook(options: SlackWebhookOptions): WebhookConnector {
  const secret = options.secret;
  return {
    id: 'slack',
    secretConfigured: secret !== undefined && secret !== '',
    verify(request) {
      if (secret === undefined || secret === '')
        return { ok: false, reason: 'no signing secret configured' };
      const check = verifySlackRequest(
        secret,
        request.headers,
        request.rawBody,
        options.clock.now(),
      );
      if (!check.ok) return check;
      return {
        ok: true,
        eventId: eventIdOf(parseInbound(request.body), check.timestamp, request.rawBody),
      };
    },
    async handle(event) {
      const inbound = parseInbound(event.body);
      switch (inbound.kind) {
        case 'url_verification':
          return { status: 200, body: { challenge: inbound.challenge } };
        case 'block_actions': {
          const work = options.onClick(inbound.click).catch((error: unknown) => {
            options.log.warn(
              { eventId: event.eventId, error: (error as Error)?.message ?? String(error) },
              'a Slack click was not handled',
            );
          });
          await settleWithin(work, options.ackWithinMs ?? ACK_WITHIN_MS);
          return ACK;
        }
        case 'event_callback':
          options.log.info({ eventId: event.eventId }, 'Slack event ignored: no events are read');
          return ACK;
        case 'ignored':
          options.log.info({ eventId: event.eventId, what: inbound.what }, 'Slack request ignored');
          return ACK;
      }
    },
  };
}
