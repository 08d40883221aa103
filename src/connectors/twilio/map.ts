/**
 * Pure mapping between Arrears and Twilio (reference section 1): outbox items → the form
 * fields of Messages.json / Calls.json, the TwiML of a notice call, and Twilio's callbacks
 * (form params + the query of the URL it called) → what the inbound sink records.
 */
import type { ReceiptStatus } from '../../app/receive-reply.js';
import type { ProviderError } from '../outcomes.js';

export const API_VERSION = '2010-04-01';
export const WEBHOOK_PATH = '/webhooks/twilio';
/** Twilio ignores a `Twiml` parameter longer than this (reference: inline TwiML <= 4,000 chars). */
export const MAX_TWIML_CHARS = 4000;
export const E164 = /^\+[1-9]\d{1,14}$/;

export function accountPath(accountSid: string): string {
  return `/${API_VERSION}/Accounts/${encodeURIComponent(accountSid)}`;
}

/** Where Twilio posts status callbacks and gather answers; undefined without a public URL. */
export function callbackUrlOf(publicUrl: string | undefined): string | undefined {
  return publicUrl ? publicUrl.replace(/\/+$/, '') + WEBHOOK_PATH : undefined;
}

// ---------------------------------------------------------------------------------------
// Outbound

/** Either a number or a Messaging Service sends an SMS (one is required). */
export type SmsSender = { from: string } | { messagingServiceSid: string };

export function smsForm(sms: {
  to: string;
  body: string;
  sender: SmsSender;
  statusCallback?: string;
}): Record<string, string> {
  return {
    To: sms.to,
    ...('from' in sms.sender
      ? { From: sms.sender.from }
      : { MessagingServiceSid: sms.sender.messagingServiceSid }),
    Body: sms.body,
    ...(sms.statusCallback ? { StatusCallback: sms.statusCallback } : {}),
  };
}

export function callForm(call: {
  to: string;
  from: string;
  twiml: string;
  statusCallback?: string;
}): Record<string, string> {
  return {
    To: call.to,
    From: call.from,
    Twiml: call.twiml,
    ...(call.statusCallback ? { StatusCallback: call.statusCallback } : {}),
  };
}

/** Twilio's error body `{code, message, more_info, status}`. */
export function twilioErrorOf(json: unknown): ProviderError | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { code, message } = json as { code?: unknown; message?: unknown };
  if (typeof code !== 'number' && typeof code !== 'string') return undefined;
  return { code: String(code), message: typeof message === 'string' ? message : '' };
}

// ---------------------------------------------------------------------------------------
// TwiML of a notice call

// A bare language is given the region whose voices read it most naturally to US tenants.
const VOICE_LOCALES: Readonly<Record<string, string>> = {
  en: 'en-US',
  es: 'es-MX',
  fr: 'fr-FR',
  pt: 'pt-BR',
  de: 'de-DE',
  it: 'it-IT',
  zh: 'zh-CN',
  vi: 'vi-VN',
  ko: 'ko-KR',
  ja: 'ja-JP',
  ru: 'ru-RU',
  pl: 'pl-PL',
};

/** The `<Say language>` for a tenant's BCP 47 language: `es` → `es-MX`, `en-gb` → `en-GB`. */
export function voiceLocaleOf(language: string): string {
  const m = /^([a-z]{2,3})(?:[-_]([a-z]{2}))?$/i.exec(language.trim());
  if (!m) return 'en-US';
  const base = m[1]!.toLowerCase();
  if (m[2]) return `${base}-${m[2].toUpperCase()}`;
  return VOICE_LOCALES[base] ?? 'en-US';
}

interface Prompts {
  pressOne(officeName: string): string;
  connecting: string;
  goodbye: string;
}

// The notice text comes rendered in the tenant's language; these few words are ours.
const PROMPTS: Readonly<Record<'en' | 'es', Prompts>> = {
  en: {
    pressOne: (office) => `To speak with ${office}, press 1.`,
    connecting: 'Connecting you now.',
    goodbye: 'Goodbye.',
  },
  es: {
    pressOne: (office) => `Para hablar con ${office}, marque 1.`,
    connecting: 'Le comunicamos ahora.',
    goodbye: 'Adiós.',
  },
};

/** Our own words in the tenant's language when we have them, else in English. */
function promptsFor(locale: string): { prompts: Prompts; locale: string } {
  if (locale.startsWith('es-')) return { prompts: PROMPTS.es, locale };
  return { prompts: PROMPTS.en, locale: locale.startsWith('en-') ? locale : 'en-US' };
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const say = (locale: string, text: string) =>
  `<Say language="${escapeXml(locale)}">${escapeXml(text)}</Say>`;

/** The TwiML answering a message webhook without replying (Twilio itself answers STOP). */
export const EMPTY_TWIML = `${XML_DECLARATION}<Response/>`;

/**
 * The gather action of a notice call. The office's phone and the language ride in its query
 * so the answer needs no lookup: Twilio signs the URL it calls, so they cannot be altered.
 */
export function gatherActionUrl(g: {
  webhookUrl: string;
  key: string;
  officePhone: string;
  language: string;
}): string {
  const query = new URLSearchParams({
    gather: g.key,
    office: g.officePhone,
    lang: voiceLocaleOf(g.language),
  });
  return `${g.webhookUrl}?${query.toString()}`;
}

export interface NoticeCall {
  /** The rendered notice, read aloud as is. */
  text: string;
  /** The tenant's language (`es`, `en-US` …). */
  language: string;
  officeName: string;
  /** `gatherActionUrl(…)`; null when there is no office phone or no public URL. */
  gatherAction: string | null;
}

/** Reads the notice, then offers key 1 for the office (while the offer is being read). */
export function noticeTwiml(call: NoticeCall): string {
  const locale = voiceLocaleOf(call.language);
  const notice = say(locale, call.text);
  if (call.gatherAction === null) return `${XML_DECLARATION}<Response>${notice}</Response>`;
  const p = promptsFor(locale);
  return (
    `${XML_DECLARATION}<Response>${notice}` +
    `<Gather input="dtmf" numDigits="1" action="${escapeXml(call.gatherAction)}" method="POST">` +
    `${say(p.locale, p.prompts.pressOne(call.officeName))}</Gather></Response>`
  );
}

/** The answer to a key press: 1 dials the office; anything else says goodbye and hangs up. */
export function gatherAnswerTwiml(g: {
  digits: string | undefined;
  officePhone: string | undefined;
  language: string | undefined;
}): string {
  const p = promptsFor(voiceLocaleOf(g.language ?? 'en'));
  if (g.digits === '1' && g.officePhone !== undefined && E164.test(g.officePhone))
    return (
      `${XML_DECLARATION}<Response>${say(p.locale, p.prompts.connecting)}` +
      `<Dial>${escapeXml(g.officePhone)}</Dial></Response>`
    );
  return `${XML_DECLARATION}<Response>${say(p.locale, p.prompts.goodbye)}<Hangup/></Response>`;
}

// ---------------------------------------------------------------------------------------
// Inbound: what a verified callback is

export type TwilioCallback =
  | { kind: 'inbound_sms'; messageSid: string; from: string; to: string | null; text: string }
  | {
      kind: 'message_status';
      messageSid: string;
      twilioStatus: string;
      /** null: an intermediate status (queued, sending, sent …), acknowledged and ignored. */
      status: ReceiptStatus | null;
      errorCode: string | null;
    }
  | {
      kind: 'call_status';
      callSid: string;
      twilioStatus: string;
      status: ReceiptStatus | null;
      /** The callback's own `Timestamp` (RFC 2822), as ISO, when present. */
      at: string | null;
    }
  | {
      kind: 'gather';
      callSid: string;
      key: string;
      digits: string | undefined;
      officePhone: string | undefined;
      language: string | undefined;
    }
  | { kind: 'other' };

const MESSAGE_RECEIPTS: Readonly<Record<string, ReceiptStatus>> = {
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
};

const CALL_RECEIPTS: Readonly<Record<string, ReceiptStatus>> = {
  completed: 'delivered',
  busy: 'undelivered',
  'no-answer': 'undelivered',
  failed: 'undelivered',
  canceled: 'undelivered',
};

/** Advanced Opt-Out names the keyword it acted on; that decision wins over our own reading. */
const OPT_KEYWORDS = new Set(['STOP', 'START']);

export function callbackOf(params: URLSearchParams, query: URLSearchParams): TwilioCallback {
  const p = (name: string) => params.get(name) ?? undefined;
  const gather = query.get('gather');
  const callSid = p('CallSid');
  if (gather !== null && callSid !== undefined)
    return {
      kind: 'gather',
      callSid,
      key: gather,
      digits: p('Digits'),
      officePhone: query.get('office') ?? undefined,
      language: query.get('lang') ?? undefined,
    };

  const messageSid = p('MessageSid') ?? p('SmsMessageSid') ?? p('SmsSid');
  const messageStatus = p('MessageStatus');
  const smsStatus = p('SmsStatus');
  const from = p('From');
  if (messageSid !== undefined) {
    const received =
      messageStatus === 'received' ||
      (messageStatus === undefined && (smsStatus === 'received' || p('Body') !== undefined));
    if (received && from !== undefined) {
      const optOut = p('OptOutType')?.toUpperCase();
      return {
        kind: 'inbound_sms',
        messageSid,
        from,
        to: p('To') ?? null,
        text: optOut !== undefined && OPT_KEYWORDS.has(optOut) ? optOut : (p('Body') ?? ''),
      };
    }
    const twilioStatus = messageStatus ?? smsStatus;
    if (twilioStatus !== undefined)
      return {
        kind: 'message_status',
        messageSid,
        twilioStatus,
        status: MESSAGE_RECEIPTS[twilioStatus] ?? null,
        errorCode: p('ErrorCode') ?? null,
      };
  }

  const callStatus = p('CallStatus');
  if (callSid !== undefined && callStatus !== undefined) {
    const ts = p('Timestamp');
    const at = ts !== undefined && !Number.isNaN(Date.parse(ts)) ? Date.parse(ts) : null;
    return {
      kind: 'call_status',
      callSid,
      twilioStatus: callStatus,
      status: CALL_RECEIPTS[callStatus] ?? null,
      at: at === null ? null : new Date(at).toISOString(),
    };
  }
  return { kind: 'other' };
}

/**
 * The event id when Twilio sent no `I-Twilio-Idempotency-Token`: the SID with the status,
 * since each status callback of one message is an event of its own.
 */
export function fallbackEventIdOf(callback: TwilioCallback): string | undefined {
  switch (callback.kind) {
    case 'inbound_sms':
      return `${callback.messageSid}:received`;
    case 'message_status':
      return `${callback.messageSid}:${callback.twilioStatus}`;
    case 'call_status':
      return `${callback.callSid}:${callback.twilioStatus}`;
    case 'gather':
      return `${callback.callSid}:gather:${callback.digits ?? ''}`;
    case 'other':
      return undefined;
  }
}
