/**
 * The only network call of the legal hand-off: one e-mail to the attorney over SMTP, through
 * the transport the smtp connector and the outbox's e-mail sender use (ARREARS_SMTP_URL,
 * ARREARS_SMTP_FROM). SMTP has no idempotency key: the Message-ID comes from the outbox key so
 * a repeat is recognisable, and a send whose answer was lost after DATA is `unknown`, never
 * repeated blindly (outbox/smtp-sender.ts `smtpOutcome`).
 */
import { createHash } from 'node:crypto';
import type { SendOutcome } from '../../app/ports/outbox.js';
import { smtpOutcome } from '../../outbox/smtp-sender.js';
import { fromDomain, smtpTransport } from '../../outbox/smtp-transport.js';

export interface AttorneyMail {
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; content: Uint8Array; contentType: string }[];
  /** The outbox key. */
  idempotencyKey: string;
}

export type AttorneyMailer = ReturnType<typeof createAttorneyMailer>;

export function createAttorneyMailer(options: { url: string; from: string; timeoutMs?: number }) {
  const transport = smtpTransport(options.url, options.timeoutMs ?? 60_000);
  const host = fromDomain(options.from);
  return {
    async send(mail: AttorneyMail): Promise<SendOutcome> {
      const id = createHash('sha256')
        .update(`legal:${mail.idempotencyKey}`)
        .digest('hex')
        .slice(0, 32);
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: `<${id}@${host}>`,
          attachments: mail.attachments.map((a) => ({
            filename: a.filename,
            content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
            contentType: a.contentType,
          })),
        });
        return { tag: 'accepted', externalId: info.messageId };
      } catch (e) {
        const error = e as Parameters<typeof smtpOutcome>[0];
        // A refused login is the operator's to fix: the escalation waits for it, as an HTTP
        // connector's item waits after a 401.
        if (error.code === 'EAUTH')
          return {
            tag: 'retryable',
            reason: `credentials refused: ${(error.response ?? error.message ?? 'SMTP login failed').slice(0, 180)}`,
          };
        return smtpOutcome(error);
      }
    },
    async verify(): Promise<void> {
      await transport.verify();
    },
    close: () => transport.close(),
  };
}
