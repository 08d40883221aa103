/**
 * A local SendGrid (tests and the demo): `POST /v3/mail/send` and `GET /v3/scopes` with
 * SendGrid's Bearer check, its required-field refusals and error shape
 * `{errors: [{message, field, help}]}`, 202 with `X-Message-Id`; and the other direction —
 * Event Webhook batches signed with an ECDSA P-256 key the way SendGrid signs them, and
 * Inbound Parse posts as multipart/form-data. With `eventWebhookUrl` it reports every
 * accepted message `processed` then `delivered` after `eventDelayMs`.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { postCallback, startFake, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { KEY_ARG, type SendgridEvent } from './map.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signEventWebhook } from './webhooks.js';

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';
export const AUTH_REFUSED = {
  errors: [
    {
      message: 'The provided authorization grant is invalid, expired, or revoked',
      field: null,
      help: null,
    },
  ],
};

export interface SendgridFakeOptions {
  apiKey: string;
  /** The Event Webhook signing key; a fresh P-256 pair when not given. */
  privateKey?: KeyObject;
  /** What GET /v3/scopes lists (default: mail.send and a few more). */
  scopes?: string[];
  /** Report accepted messages here (`processed`, then `delivered`). */
  eventWebhookUrl?: string;
  eventDelayMs?: number;
}

export interface SentMail {
  messageId: string;
  /** The mail send body as received. */
  body: Record<string, unknown>;
}

export interface SignedPost {
  body: string | Buffer;
  headers: Record<string, string>;
}

export interface SendgridFake extends FakeServer {
  sent: SentMail[];
  /** What to configure as WEBHOOK_PUBLIC_KEY: base64 DER SubjectPublicKeyInfo. */
  publicKey: string;
  /** An event SendGrid would report about a sent message. */
  eventFor(mail: SentMail, event: string, extra?: Record<string, unknown>): SendgridEvent;
  /** A signed Event Webhook post of these events (timestamp: unix seconds, default now). */
  signedEvents(events: SendgridEvent[], timestamp?: number): SignedPost;
  postEvents(url: string, events: SendgridEvent[]): Promise<{ status: number; text: string }>;
  /** An Inbound Parse post of these fields. */
  inboundParse(fields: Record<string, string | Buffer>): SignedPost;
  postInboundParse(
    url: string,
    fields: Record<string, string | Buffer>,
  ): Promise<{ status: number; text: string }>;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

type FieldError = { message: string; field: string; help: string };

/** The documented required fields of a mail send body, in SendGrid's words. */
export function mailSendProblems(body: unknown): FieldError[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const problems: FieldError[] = [];
  const personalizations = b.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0)
    problems.push({
      message: 'The personalizations field is required and must have at least one personalization.',
      field: 'personalizations',
      help: `${HELP}#-Personalizations-Errors`,
    });
  else
    personalizations.forEach((p: { to?: unknown; subject?: unknown }, i) => {
      const to = p?.to;
      if (!Array.isArray(to) || to.length === 0 || !to.every((r: { email?: unknown }) => r?.email))
        problems.push({
          message:
            'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
          field: `personalizations.${i}.to`,
          help: `${HELP}#message.personalizations.to`,
        });
    });
  const from = b.from as { email?: unknown } | undefined;
  if (typeof from?.email !== 'string' || from.email === '')
    problems.push({
      message:
        'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.',
      field: 'from.email',
      help: `${HELP}#message.from`,
    });
  const everySubject =
    Array.isArray(personalizations) &&
    personalizations.length > 0 &&
    personalizations.every((p: { subject?: unknown }) => typeof p?.subject === 'string');
  if ((typeof b.subject !== 'string' || b.subject === '') && !everySubject && !b.template_id)
    problems.push({
      message:
        'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
      field: 'subject',
      help: `${HELP}#message.subject`,
    });
  const content = b.content;
  if ((!Array.isArray(content) || content.length === 0) && !b.template_id)
    problems.push({
      message:
        'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.',
      field: 'content',
      help: `${HELP}#message.content`,
    });
  return problems;
}

/** multipart/form-data the way SendGrid posts Inbound Parse (boundary `xYzZY`). */
export function multipartOf(fields: Record<string, string | Buffer>, boundary = 'xYzZY'): Buffer {
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export async function startSendgridFake(options: SendgridFakeOptions): Promise<SendgridFake> {
  const privateKey =
    options.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const publicKey = createPublicDer(privateKey);
  const sent: SentMail[] = [];
  const authorized = (req: FakeRequest) => req.headers.authorization === `Bearer ${options.apiKey}`;

  const fake = await startFake((req, reply) => {
    if (req.method === 'POST' && req.path === '/v3/mail/send') {
      if (!authorized(req)) return reply.json(401, AUTH_REFUSED);
      if (req.json === undefined || typeof req.json !== 'object' || req.json === null)
        return reply.json(400, {
          errors: [{ message: 'Bad Request', field: null, help: null }],
        });
      const problems = mailSendProblems(req.json);
      if (problems.length > 0) return reply.json(400, { errors: problems });
      const body = req.json as Record<string, unknown>;
      const sandbox = (body.mail_settings as { sandbox_mode?: { enable?: unknown } } | undefined)
        ?.sandbox_mode?.enable;
      if (sandbox === true) return reply.empty(200);
      const mail: SentMail = { messageId: token(16), body };
      sent.push(mail);
      reply.empty(202, { 'x-message-id': mail.messageId });
      if (options.eventWebhookUrl) scheduleEvents(options.eventWebhookUrl, mail);
      return;
    }
    if (req.method === 'GET' && req.path === '/v3/scopes') {
      if (!authorized(req)) return reply.json(401, AUTH_REFUSED);
      return reply.json(200, {
        scopes: options.scopes ?? ['mail.send', 'scopes.read', 'user.profile.read'],
      });
    }
    reply.json(404, { errors: [{ message: 'resource not found', field: null, help: null }] });
  });

  function eventFor(mail: SentMail, event: string, extra: Record<string, unknown> = {}) {
    const personalizations = mail.body.personalizations as { to: { email: string }[] }[];
    const customArgs = (mail.body.custom_args ?? {}) as Record<string, string>;
    return {
      email: personalizations[0]!.to[0]!.email,
      timestamp: Math.floor(Date.now() / 1000),
      'smtp-id': `<${mail.messageId}@ismtpd0001p1.sendgrid.net>`,
      event,
      sg_event_id: token(16),
      sg_message_id: `${mail.messageId}.filterdrecv-fake-1-0`,
      ...(customArgs[KEY_ARG] ? { [KEY_ARG]: customArgs[KEY_ARG] } : {}),
      ...(event === 'delivered' ? { response: '250 OK' } : {}),
      ...extra,
    };
  }

  function signedEvents(events: SendgridEvent[], timestamp = Math.floor(Date.now() / 1000)) {
    const body = JSON.stringify(events);
    const t = String(timestamp);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signEventWebhook(privateKey, t, body),
        [TIMESTAMP_HEADER]: t,
      },
    };
  }

  function inboundParse(fields: Record<string, string | Buffer>) {
    return {
      body: multipartOf(fields),
      headers: { 'content-type': 'multipart/form-data; boundary=xYzZY' },
    };
  }

  function scheduleEvents(url: string, mail: SentMail) {
    setTimeout(() => {
      const post = signedEvents([eventFor(mail, 'processed'), eventFor(mail, 'delivered')]);
      postCallback(url, post.body, post.headers).catch(() => undefined);
    }, options.eventDelayMs ?? 1_000).unref();
  }

  return Object.assign(fake, {
    sent,
    publicKey,
    eventFor,
    signedEvents,
    postEvents(url: string, events: SendgridEvent[]) {
      const post = signedEvents(events);
      return postCallback(url, post.body, post.headers);
    },
    inboundParse,
    postInboundParse(url: string, fields: Record<string, string | Buffer>) {
      const post = inboundParse(fields);
      return postCallback(url, post.body, post.headers);
    },
  });
}

function createPublicDer(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
}
