/**
 * The `ReportMailer` of app/deliver-scheduled-reports.ts: scheduled reports by e-mail over
 * SMTP (nodemailer, the transport of smtp-transport.ts) with the report's PDF attached.
 *
 * `ARREARS_SMTP_URL` and `ARREARS_SMTP_FROM` configure it, as for the outbox's e-mail. Without
 * `ARREARS_SMTP_URL` the sandbox mailer records each delivery in memory and sends nothing.
 * A failed send throws; the caller gives the slot back and tries again on its next pass.
 */
import { createHash } from 'node:crypto';
import type { ReportMail, ReportMailer } from '../app/deliver-scheduled-reports.js';
import { InputError } from '../domain/errors.js';
import { fromDomain, smtpTransport } from './smtp-transport.js';

export interface ReportMailerOptions {
  /** ARREARS_SMTP_URL (see smtp-transport.ts). */
  url: string;
  /** ARREARS_SMTP_FROM, e.g. `Oak Court <office@oakcourt.example>`. */
  from: string;
  /** Give up on a connection or answer after this long (default 60 s: PDFs are larger). */
  timeoutMs?: number;
}

export function createReportMailer(options: ReportMailerOptions): ReportMailer {
  const transport = smtpTransport(options.url, options.timeoutMs ?? 60_000);
  const host = fromDomain(options.from);
  return {
    async sendReport(mail) {
      // The same report, recipients and subject give the same Message-ID: a repeat is
      // recognisable downstream.
      const id = createHash('sha256')
        .update(`${mail.to.join(',')}\u0000${mail.subject}\u0000${mail.attachment.filename}`)
        .digest('hex')
        .slice(0, 32);
      const info = await transport.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: `<${id}@${host}>`,
        attachments: [
          {
            filename: mail.attachment.filename,
            content: Buffer.from(mail.attachment.bytes),
            contentType: 'application/pdf',
          },
        ],
      });
      return { messageId: info.messageId };
    },
  };
}

/** Records what would have been sent; sends nothing. */
export function createSandboxReportMailer(): ReportMailer & { sent: ReportMail[] } {
  const sent: ReportMail[] = [];
  return {
    sent,
    sendReport(mail) {
      sent.push(mail);
      return Promise.resolve({ messageId: `sandbox-${sent.length}` });
    },
  };
}

/** SMTP when `ARREARS_SMTP_URL` is set (then `ARREARS_SMTP_FROM` is required), else the sandbox. */
export function reportMailerFromEnv(env: Record<string, string | undefined>): ReportMailer {
  const url = env.ARREARS_SMTP_URL;
  if (!url) return createSandboxReportMailer();
  const from = env.ARREARS_SMTP_FROM;
  if (!from)
    throw new InputError([
      { path: 'ARREARS_SMTP_FROM', message: 'set the From address reports are e-mailed with' },
    ]);
  return createReportMailer({ url, from });
}
