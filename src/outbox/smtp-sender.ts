/**
 * E-mail over SMTP (nodemailer). The item's planned text is what goes: its `subject` and
 * `body`. Every message carries `List-Unsubscribe` with a signed one-click link and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), and a Message-ID derived
 * from the outbox key so a repeat is recognisable downstream.
 *
 * SMTP has no idempotency key: a send whose answer was lost after the message data went
 * out is `unknown` for a person, never repeated. Refusals map to outcomes: 5xx → rejected,
 * 4xx and failures before anything was sent → retryable.
 */
import { createHash } from 'node:crypto';
import type { OutboxItem, Sender, SendOutcome } from '../app/ports/outbox.js';
import { fromDomain, smtpTransport } from './smtp-transport.js';

export interface Recipient {
  email: string;
  name?: string;
}

export interface SmtpSenderOptions {
  /**
   * `smtp://user:pass@host:port` (STARTTLS when offered), `smtps://…` (TLS), or
   * `smtp://host:port?tls=off` for a plain local relay (ARREARS_SMTP_URL).
   */
  url: string;
  /** The From header, e.g. `Oak Court <office@oakcourt.example>` (ARREARS_SMTP_FROM). */
  from: string;
  /** The address to write to for this item (the contact's current e-mail), or null. */
  recipientOf(item: OutboxItem): Promise<Recipient | null>;
  /** The one-click unsubscribe URL for this recipient. */
  unsubscribeUrl?(item: OutboxItem): string | undefined;
  /** Give up on a connection or answer after this long (default 30 s). */
  timeoutMs?: number;
}

interface SmtpError {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Commands after which the message may have been accepted. */
const AFTER_DATA = new Set(['DATA', 'MESSAGE']);

export function smtpOutcome(e: SmtpError): SendOutcome {
  const reason = (e.response ?? e.message ?? 'SMTP error').slice(0, 200);
  if (e.responseCode !== undefined && e.responseCode >= 500)
    return { tag: 'rejected', code: String(e.responseCode), reason };
  if (e.responseCode !== undefined && e.responseCode >= 400) return { tag: 'retryable', reason };
  if (e.command !== undefined && AFTER_DATA.has(e.command)) return { tag: 'unknown', reason };
  return { tag: 'retryable', reason };
}

export function createSmtpSender(options: SmtpSenderOptions): Sender {
  const transport = smtpTransport(options.url, options.timeoutMs ?? 30_000);
  const host = fromDomain(options.from);
  return {
    id: 'smtp',
    idempotent: false,
    async send(item, ctx): Promise<SendOutcome> {
      const to = await options.recipientOf(item);
      if (!to)
        return { tag: 'rejected', code: 'no_address', reason: 'the contact has no e-mail address' };
      const body = typeof item.payload.body === 'string' ? item.payload.body : undefined;
      if (body === undefined)
        return { tag: 'rejected', code: 'no_content', reason: 'the item has no rendered body' };
      const subject =
        typeof item.payload.subject === 'string'
          ? item.payload.subject
          : typeof item.payload.title === 'string'
            ? item.payload.title
            : '';
      const unsubscribe = options.unsubscribeUrl?.(item);
      const id = createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 32);
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: to.name ? { name: to.name, address: to.email } : to.email,
          subject,
          text: body,
          messageId: `<${id}@${host}>`,
          ...(unsubscribe
            ? {
                headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
                list: { unsubscribe: { url: unsubscribe, comment: 'Unsubscribe' } },
              }
            : {}),
        });
        return { tag: 'accepted', externalId: info.messageId };
      } catch (e) {
        return smtpOutcome(e as SmtpError);
      }
    },
  };
}
