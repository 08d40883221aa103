/**
 * `twilio`: SMS and notice calls through Twilio (SPEC 11, reference section 1), with its
 * webhook for replies, opt-outs, delivery statuses and the office key of notice calls.
 */
import type { OutboxItem, SendOutcome, Sender } from '../../app/ports/outbox.js';
import type { ConnectorModule } from '../contract.js';
import type { Contact, ConnectorContext } from '../context.js';
import { createTwilioClient } from './client.js';
import { manifest } from './manifest.js';
import {
  callbackUrlOf,
  callForm,
  E164,
  gatherActionUrl,
  MAX_TWIML_CHARS,
  noticeTwiml,
  smsForm,
  type SmsSender,
} from './map.js';
import { createTwilioWebhook } from './webhooks.js';

type Prepared<T> = { ok: true; value: T } | { ok: false; outcome: SendOutcome };

const rejected = (code: string, reason: string): SendOutcome => ({ tag: 'rejected', code, reason });
const refuse = (code: string, reason: string): Prepared<never> => ({
  ok: false,
  outcome: rejected(code, reason),
});

/** The recipient's phone and the notice text, or why the item cannot go out. */
async function prepare(
  ctx: ConnectorContext,
  item: OutboxItem,
): Promise<Prepared<{ contact: Contact; phone: string; body: string }>> {
  let contact: Contact | null;
  try {
    contact = await ctx.recipients.contactOf(item);
  } catch (error) {
    // Nothing reached Twilio: the item may simply be tried again.
    return {
      ok: false,
      outcome: { tag: 'retryable', reason: `contact lookup: ${(error as Error).message}` },
    };
  }
  if (!contact?.phone) return refuse('no_contact', 'the recipient has no phone number');
  const body = item.payload.body;
  if (typeof body !== 'string' || body.trim() === '')
    return refuse('no_body', 'the item has no rendered text');
  return { ok: true, value: { contact, phone: contact.phone, body } };
}

export const twilioConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const accountSid = ctx.settings.require('ACCOUNT_SID');
    const authToken = ctx.settings.require('AUTH_TOKEN');
    const from = ctx.settings.get('FROM');
    const messagingServiceSid = ctx.settings.get('MESSAGING_SERVICE_SID');
    const webhookUrl = callbackUrlOf(ctx.publicUrl);
    const client = createTwilioClient({
      accountSid,
      authToken,
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
    });

    const sms: Sender = {
      id: 'twilio',
      idempotent: false,
      async send(item, sendCtx) {
        // A Messaging Service picks a registered sender itself, so it is preferred when set.
        const sender: SmsSender | undefined = messagingServiceSid
          ? { messagingServiceSid }
          : from
            ? { from }
            : undefined;
        if (!sender)
          return rejected(
            'no_sender',
            'set ARREARS_TWILIO_FROM or ARREARS_TWILIO_MESSAGING_SERVICE_SID to send SMS',
          );
        const p = await prepare(ctx, item);
        if (!p.ok) return p.outcome;
        return client.sendMessage(
          smsForm({ to: p.value.phone, body: p.value.body, sender, statusCallback: webhookUrl }),
          sendCtx.signal,
        );
      },
    };

    const voice: Sender = {
      id: 'twilio',
      idempotent: false,
      async send(item, sendCtx) {
        if (!from)
          return rejected('no_from', 'set ARREARS_TWILIO_FROM: notice calls need a caller id');
        const p = await prepare(ctx, item);
        if (!p.ok) return p.outcome;
        const { contact } = p.value;
        const office = contact.office.phone;
        const twiml = noticeTwiml({
          text: p.value.body,
          language: contact.language,
          officeName: contact.office.name,
          gatherAction:
            webhookUrl && office && E164.test(office)
              ? gatherActionUrl({
                  webhookUrl,
                  key: item.key,
                  officePhone: office,
                  language: contact.language,
                })
              : null,
        });
        if (twiml.length > MAX_TWIML_CHARS)
          return rejected(
            'twiml_too_long',
            `the call's TwiML is ${twiml.length} characters; Twilio takes at most ${MAX_TWIML_CHARS}`,
          );
        return client.placeCall(
          callForm({ to: p.value.phone, from, twiml, statusCallback: webhookUrl }),
          sendCtx.signal,
        );
      },
    };

    return {
      id: 'twilio',
      senders: { 'message:sms': sms, 'message:voice': voice },
      webhook: createTwilioWebhook({ authToken, inbound: ctx.inbound, log: ctx.log }),
      verify: (signal) => client.verify(signal),
    };
  },
};
