/**
 * A local Twilio (reference section 1) for contract tests and the demo: Messages.json and
 * Calls.json behind Basic auth, Twilio's error bodies for missing fields and opted-out
 * recipients, message / call resources in snake_case, and callbacks signed with the Auth
 * Token: status callbacks over time, inbound SMS, and the key press of a notice call.
 *
 *   const fake = await startTwilioFake({ accountSid, authToken, statusCallbacks: true });
 *   … send through the connector with ARREARS_TWILIO_BASE_URL = fake.url …
 *   await fake.settled();   // every status callback posted
 */
import { randomBytes } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { API_VERSION, E164 } from './map.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, twilioSignature } from './webhooks.js';

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export function twilioError(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export type MessageResource = Record<string, unknown> & { sid: string; status: string };
export type CallResource = Record<string, unknown> & { sid: string; status: string };

export interface StatusCallbackOptions {
  /** Between two callbacks of one message (default 10 ms). */
  delayMs?: number;
  /** Where a message ends (default `delivered`). */
  messageOutcome?: 'delivered' | 'undelivered' | 'failed';
  /** `ErrorCode` of an undelivered or failed message (default 30003, unreachable). */
  errorCode?: string;
  /** Where a call ends (default `completed`). */
  callOutcome?: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
}

export type CallbackTransport = (
  url: string,
  body: string,
  headers: Record<string, string>,
) => Promise<{ status: number; text: string }>;

export interface TwilioFakeOptions {
  accountSid: string;
  authToken: string;
  /** Recipients who texted STOP: sending to them fails with 21610. */
  optedOut?: Iterable<string>;
  /** Post status callbacks to each resource's StatusCallback (true: the defaults). */
  statusCallbacks?: boolean | StatusCallbackOptions;
  /**
   * How a callback reaches the app (default a real POST to the URL). Twilio signs the URL
   * it calls; a test may carry the request elsewhere, as a tunnel in front of the app would.
   */
  deliver?: CallbackTransport;
}

export interface SentCallback {
  url: string;
  params: Record<string, string>;
  status: number;
  text: string;
}

export interface TwilioFake extends FakeServer {
  messages: Map<string, MessageResource>;
  calls: Map<string, CallResource>;
  optedOut: Set<string>;
  /** Every callback the fake posted, in order, with the app's answer. */
  callbacks: SentCallback[];
  /** Resolves once every scheduled status callback has been posted. */
  settled(): Promise<void>;
  /** The body and headers of a callback to `url`, signed as Twilio signs. */
  signed(
    url: string,
    params: Record<string, string>,
  ): { body: string; headers: Record<string, string> };
  /** A tenant texts our number: the inbound message webhook, signed. */
  sendInboundSms(
    url: string,
    sms: { from: string; to: string; body: string; optOutType?: 'STOP' | 'START' | 'HELP' },
  ): Promise<SentCallback>;
  /** The callee presses keys during a notice call: posts `Digits` to its Gather action. */
  pressKeys(callSid: string, digits: string): Promise<SentCallback>;
}

const hex32 = () => randomBytes(16).toString('hex');
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

function unescapeXml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const ROUTE =
  /^\/2010-04-01\/Accounts\/([^/]+)(?:\.json|\/(Messages|Calls)\.json|\/(Messages|Calls)\/([^/]+)\.json)$/;

export async function startTwilioFake(options: TwilioFakeOptions): Promise<TwilioFake> {
  const { accountSid, authToken } = options;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messages = new Map<string, MessageResource>();
  const calls = new Map<string, CallResource>();
  const optedOut = new Set(options.optedOut ?? []);
  const callbacks: SentCallback[] = [];
  const pending = new Set<Promise<unknown>>();
  const deliver: CallbackTransport = options.deliver ?? postCallback;
  const timing: StatusCallbackOptions | undefined =
    options.statusCallbacks === true ? {} : options.statusCallbacks || undefined;
  const callTwiml = new Map<string, string>();

  function signed(url: string, params: Record<string, string>) {
    return {
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        [SIGNATURE_HEADER]: twilioSignature(authToken, url, params),
        [IDEMPOTENCY_HEADER]: `${hex32()}-${Date.now()}`,
      },
    };
  }

  async function post(url: string, params: Record<string, string>): Promise<SentCallback> {
    const { body, headers } = signed(url, params);
    const answer = await deliver(url, body, headers);
    const sent = { url, params, ...answer };
    callbacks.push(sent);
    return sent;
  }

  /** Runs the steps one after another, `delayMs` apart, tracked by `settled()`. */
  function schedule(steps: (() => Promise<unknown>)[], delayMs: number) {
    const run = (async () => {
      for (const step of steps) {
        await new Promise((r) => setTimeout(r, delayMs));
        await step().catch(() => undefined);
      }
    })();
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }

  function messageCallbacks(message: MessageResource, url: string) {
    const outcome = timing?.messageOutcome ?? 'delivered';
    const path = outcome === 'failed' ? ['queued', 'failed'] : ['queued', 'sent', outcome];
    schedule(
      path.map((status) => () => {
        message.status = status;
        message.date_updated = rfc2822(Date.now());
        const failed = status === 'failed' || status === 'undelivered';
        if (failed) message.error_code = Number(timing?.errorCode ?? '30003');
        return post(url, {
          MessageSid: message.sid,
          SmsSid: message.sid,
          MessageStatus: status,
          SmsStatus: status,
          AccountSid: accountSid,
          ...(message.from ? { From: String(message.from) } : {}),
          To: String(message.to),
          ApiVersion: API_VERSION,
          ...(message.messaging_service_sid
            ? { MessagingServiceSid: String(message.messaging_service_sid) }
            : {}),
          ...(failed ? { ErrorCode: timing?.errorCode ?? '30003' } : {}),
        });
      }),
      timing?.delayMs ?? 10,
    );
  }

  function callCallbacks(call: CallResource, url: string) {
    const outcome = timing?.callOutcome ?? 'completed';
    schedule(
      [
        () => {
          call.status = outcome;
          call.duration = outcome === 'completed' ? '12' : '0';
          return post(url, {
            CallSid: call.sid,
            AccountSid: accountSid,
            From: String(call.from),
            To: String(call.to),
            CallStatus: outcome,
            Direction: 'outbound-api',
            ApiVersion: API_VERSION,
            CallDuration: String(call.duration),
            Timestamp: rfc2822(Date.now()),
            CallbackSource: 'call-progress-events',
            SequenceNumber: '0',
          });
        },
      ],
      timing?.delayMs ?? 10,
    );
  }

  function createMessage(req: FakeRequest, reply: FakeReply) {
    const f = req.form;
    if (!f.To) return reply.json(400, twilioError(400, 21604, "A 'To' phone number is required."));
    if (!f.From && !f.MessagingServiceSid)
      return reply.json(400, twilioError(400, 21603, "A 'From' phone number is required."));
    if (!f.Body && !f.MediaUrl && !f.ContentSid)
      return reply.json(400, twilioError(400, 21602, 'Message body is required.'));
    if (!E164.test(f.To))
      return reply.json(
        400,
        twilioError(400, 21211, `The 'To' number ${f.To} is not a valid phone number.`),
      );
    if (optedOut.has(f.To))
      return reply.json(400, twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    const sid = `SM${hex32()}`;
    const now = rfc2822(Date.now());
    const message: MessageResource = {
      sid,
      account_sid: accountSid,
      messaging_service_sid: f.MessagingServiceSid ?? null,
      from: f.From ?? null,
      to: f.To,
      body: f.Body ?? '',
      // A Messaging Service first picks the sender (`accepted`), then queues it.
      status: f.From ? 'queued' : 'accepted',
      direction: 'outbound-api',
      num_segments: String(Math.max(1, Math.ceil((f.Body ?? '').length / 153))),
      num_media: String(req.formAll.getAll('MediaUrl').length),
      error_code: null,
      error_message: null,
      price: null,
      price_unit: 'USD',
      date_created: now,
      date_updated: now,
      date_sent: null,
      api_version: API_VERSION,
      uri: `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`,
      subresource_uris: {
        media: `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}/Media.json`,
      },
    };
    messages.set(sid, message);
    if (timing && f.StatusCallback) messageCallbacks(message, f.StatusCallback);
    reply.json(201, message);
  }

  function createCall(req: FakeRequest, reply: FakeReply) {
    // Call-creation codes are not in the reference; these are the ones integrations report.
    const f = req.form;
    if (!f.To) return reply.json(400, twilioError(400, 21201, "No 'To' number is specified"));
    if (!f.From) return reply.json(400, twilioError(400, 21213, "No 'From' number is specified"));
    if (!f.Url && !f.Twiml && !f.ApplicationSid)
      return reply.json(400, twilioError(400, 21205, 'Url parameter is required.'));
    if (!E164.test(f.To))
      return reply.json(
        400,
        twilioError(
          400,
          21211,
          `The phone number you are attempting to call, ${f.To}, is not valid.`,
        ),
      );
    const sid = `CA${hex32()}`;
    const now = rfc2822(Date.now());
    const call: CallResource = {
      sid,
      account_sid: accountSid,
      from: f.From,
      to: f.To,
      status: 'queued',
      direction: 'outbound-api',
      answered_by: null,
      duration: null,
      start_time: null,
      end_time: null,
      price: null,
      price_unit: 'USD',
      date_created: now,
      date_updated: now,
      api_version: API_VERSION,
      uri: `/${API_VERSION}/Accounts/${accountSid}/Calls/${sid}.json`,
    };
    calls.set(sid, call);
    if (f.Twiml) callTwiml.set(sid, f.Twiml);
    if (timing && f.StatusCallback) callCallbacks(call, f.StatusCallback);
    reply.json(201, call);
  }

  const base = await startFake((req, reply) => {
    const m = ROUTE.exec(req.path);
    const notFound = () =>
      reply.json(404, twilioError(404, 20404, `The requested resource ${req.path} was not found`));
    if (req.headers.authorization !== expectedAuth)
      return reply.json(401, twilioError(401, 20003, 'Authenticate'), {
        'www-authenticate': 'Basic realm="Twilio API"',
      });
    if (!m || decodeURIComponent(m[1]!) !== accountSid) return notFound();
    const [, , collection, resource, sid] = m;
    if (collection === 'Messages' && req.method === 'POST') return createMessage(req, reply);
    if (collection === 'Calls' && req.method === 'POST') return createCall(req, reply);
    if (req.method !== 'GET') return notFound();
    if (resource !== undefined) {
      const found = (resource === 'Messages' ? messages : calls).get(sid!);
      return found ? reply.json(200, found) : notFound();
    }
    if (collection !== undefined) return notFound();
    const created = rfc2822(Date.parse('2024-01-02T03:04:05Z'));
    reply.json(200, {
      sid: accountSid,
      owner_account_sid: accountSid,
      friendly_name: 'Arrears fake account',
      status: 'active',
      type: 'Full',
      date_created: created,
      date_updated: created,
      uri: `/${API_VERSION}/Accounts/${accountSid}.json`,
    });
  });

  return Object.assign(base, {
    messages,
    calls,
    optedOut,
    callbacks,
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    signed,
    sendInboundSms(
      url: string,
      sms: { from: string; to: string; body: string; optOutType?: 'STOP' | 'START' | 'HELP' },
    ) {
      const sid = `SM${hex32()}`;
      return post(url, {
        MessageSid: sid,
        SmsSid: sid,
        SmsMessageSid: sid,
        AccountSid: accountSid,
        From: sms.from,
        To: sms.to,
        Body: sms.body,
        NumMedia: '0',
        NumSegments: '1',
        SmsStatus: 'received',
        ApiVersion: API_VERSION,
        ...(sms.optOutType ? { OptOutType: sms.optOutType } : {}),
      });
    },
    pressKeys(callSid: string, digits: string) {
      const call = calls.get(callSid);
      const action = /<Gather\b[^>]*\baction="([^"]*)"/.exec(callTwiml.get(callSid) ?? '')?.[1];
      if (!call || action === undefined)
        return Promise.reject(new Error(`call ${callSid} has no Gather to answer`));
      call.status = 'in-progress';
      return post(unescapeXml(action), {
        CallSid: callSid,
        AccountSid: accountSid,
        From: String(call.from),
        To: String(call.to),
        CallStatus: 'in-progress',
        Direction: 'outbound-api',
        ApiVersion: API_VERSION,
        Digits: digits,
        FinishedOnKey: '',
      });
    },
  });
}
