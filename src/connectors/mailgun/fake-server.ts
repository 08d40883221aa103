/**
 * A local Mailgun (tests and the demo): `POST /v3/{domain}/messages` and
 * `GET /v3/domains/{domain}` behind HTTP Basic `api:<key>` (401 `Forbidden` otherwise), the
 * required fields refused with `{message}`, 200 `{id, message: "Queued. Thank you."}`; and
 * the other direction — webhooks and Route forwards signed with the webhook signing key the
 * way Mailgun signs them. With `webhookUrl` it reports every accepted message `delivered`
 * after `deliveryDelayMs`.
 */
import { randomBytes } from 'node:crypto';
import { basicAuth } from '../http.js';
import { postCallback, startFake, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { multipartBoundary, parseMultipart } from '../sandbox/map.js';
import { KEY_VARIABLE } from './map.js';
import { signMailgun } from './webhooks.js';

export interface MailgunFakeOptions {
  apiKey: string;
  domain: string;
  webhookSigningKey: string;
  /** Report accepted messages here (`delivered`). */
  webhookUrl?: string;
  deliveryDelayMs?: number;
}

export interface SentMessage {
  /** As events name it: without angle brackets. */
  id: string;
  fields: Record<string, string>;
}

export interface SignedPost {
  body: string | Buffer;
  headers: Record<string, string>;
}

export interface SignOptions {
  /** Unix seconds (default now). */
  timestamp?: number;
  token?: string;
}

export interface MailgunFake extends FakeServer {
  sent: SentMessage[];
  /** The `event-data` Mailgun would send about a message. */
  eventFor(
    message: SentMessage,
    event: string,
    extra?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** A signed webhook post of this event. */
  signedWebhook(eventData: Record<string, unknown>, sign?: SignOptions): SignedPost;
  postWebhook(
    url: string,
    eventData: Record<string, unknown>,
  ): Promise<{ status: number; text: string }>;
  /** A Route's forward of a received message (multipart/form-data, signed). */
  routeForward(fields: Record<string, string>, sign?: SignOptions): SignedPost;
  postRouteForward(
    url: string,
    fields: Record<string, string>,
  ): Promise<{ status: number; text: string }>;
}

const token = () => randomBytes(25).toString('hex');

/** Mailgun's refusals of a message missing what it needs, in its words. */
export function messageProblem(fields: Record<string, string>): string | undefined {
  const has = (k: string) => typeof fields[k] === 'string' && fields[k] !== '';
  if (!has('from')) return "'from' parameter is missing";
  if (!has('to')) return "'to' parameter is missing";
  if (!has('subject')) return "'subject' parameter is missing";
  if (!has('text') && !has('html') && !has('template'))
    return "Need at least one of 'text', 'html' or 'template' parameters specified";
  return undefined;
}

/** The fields of an urlencoded or multipart body (first value per name, files left out). */
function fieldsOf(req: FakeRequest): Record<string, string> {
  const boundary = multipartBoundary(req.headers['content-type']);
  if (boundary === undefined) return req.form;
  const out: Record<string, string> = {};
  for (const p of parseMultipart(req.raw, boundary) ?? [])
    if (p.filename === null && !(p.name in out)) out[p.name] = p.data.toString('utf8');
  return out;
}

function multipartOf(fields: Record<string, string>, boundary: string): Buffer {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8');
}

export async function startMailgunFake(options: MailgunFakeOptions): Promise<MailgunFake> {
  const sent: SentMessage[] = [];
  const authorized = (req: FakeRequest) =>
    req.headers.authorization === basicAuth('api', options.apiKey);
  const messagesPath = /^\/v3\/([^/]+)\/messages$/;
  const domainPath = /^\/v3\/domains\/([^/]+)$/;
  let sequence = 0;

  const fake = await startFake((req, reply) => {
    if (!authorized(req)) return reply.text(401, 'Forbidden');
    const send = messagesPath.exec(req.path);
    if (req.method === 'POST' && send) {
      if (decodeURIComponent(send[1]!) !== options.domain)
        return reply.json(404, { message: `Domain not found: ${decodeURIComponent(send[1]!)}` });
      const fields = fieldsOf(req);
      const problem = messageProblem(fields);
      if (problem) return reply.json(400, { message: problem });
      const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
      const message: SentMessage = {
        id: `${stamp}.${++sequence}.${randomBytes(4).toString('hex')}@${options.domain}`,
        fields,
      };
      sent.push(message);
      reply.json(200, { id: `<${message.id}>`, message: 'Queued. Thank you.' });
      if (options.webhookUrl) scheduleDelivery(options.webhookUrl, message);
      return;
    }
    const domain = domainPath.exec(req.path);
    if (req.method === 'GET' && domain) {
      if (decodeURIComponent(domain[1]!) !== options.domain)
        return reply.json(404, { message: 'Domain not found' });
      return reply.json(200, {
        domain: { name: options.domain, state: 'active', type: 'custom', spam_action: 'disabled' },
        receiving_dns_records: [],
        sending_dns_records: [],
      });
    }
    reply.json(404, { message: 'Not Found' });
  });

  const signature = (sign: SignOptions = {}) => {
    const timestamp = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
    const t = sign.token ?? token();
    return {
      timestamp,
      token: t,
      signature: signMailgun(options.webhookSigningKey, timestamp, t),
    };
  };

  function eventFor(message: SentMessage, event: string, extra: Record<string, unknown> = {}) {
    const key = message.fields[`v:${KEY_VARIABLE}`];
    const recipient = /<([^>]+)>\s*$/.exec(message.fields.to ?? '')?.[1] ?? message.fields.to;
    return {
      event,
      id: randomBytes(16).toString('base64url'),
      timestamp: Date.now() / 1000,
      recipient,
      message: {
        headers: {
          'message-id': message.id,
          to: message.fields.to,
          from: message.fields.from,
          subject: message.fields.subject,
        },
      },
      'user-variables': key ? { [KEY_VARIABLE]: key } : {},
      ...extra,
    };
  }

  function signedWebhook(eventData: Record<string, unknown>, sign?: SignOptions) {
    return {
      body: JSON.stringify({ signature: signature(sign), 'event-data': eventData }),
      headers: { 'content-type': 'application/json' },
    };
  }

  function routeForward(fields: Record<string, string>, sign?: SignOptions) {
    const boundary = `mailgun-${randomBytes(8).toString('hex')}`;
    return {
      body: multipartOf({ ...fields, ...signature(sign) }, boundary),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    };
  }

  function scheduleDelivery(url: string, message: SentMessage) {
    setTimeout(() => {
      const post = signedWebhook(
        eventFor(message, 'delivered', {
          'delivery-status': { code: 250, message: 'OK', description: '', 'attempt-no': 1 },
        }),
      );
      postCallback(url, post.body, post.headers).catch(() => undefined);
    }, options.deliveryDelayMs ?? 1_000).unref();
  }

  return Object.assign(fake, {
    sent,
    eventFor,
    signedWebhook,
    postWebhook(url: string, eventData: Record<string, unknown>) {
      const post = signedWebhook(eventData);
      return postCallback(url, post.body, post.headers);
    },
    routeForward,
    postRouteForward(url: string, fields: Record<string, string>) {
      const post = routeForward(fields);
      return postCallback(url, post.body, post.headers);
    },
  });
}
