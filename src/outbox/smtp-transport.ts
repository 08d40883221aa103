/**
 * The one nodemailer SMTP transport setup, shared by the outbox's e-mail sender
 * (smtp-sender.ts) and the scheduled-report mailer (report-mailer.ts).
 *
 * `url` is `smtp://user:pass@host:port` (STARTTLS when offered), `smtps://…` (TLS), or
 * `smtp://host:port?tls=off` for a plain local relay (ARREARS_SMTP_URL).
 */
import nodemailer from 'nodemailer';

export type SmtpTransport = ReturnType<typeof nodemailer.createTransport>;

/** A transport for `url` that gives up on a connection or an answer after `timeoutMs`. */
export function smtpTransport(url: string, timeoutMs: number): SmtpTransport {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username
      ? {
          auth: {
            user: decodeURIComponent(u.username),
            pass: decodeURIComponent(u.password),
          },
        }
      : {}),
    // Plain-text local relays (tests, a relay on the host) offer no TLS upgrade.
    ignoreTLS: u.searchParams.get('tls') === 'off',
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

/** The domain of a From header (`Oak Court <office@oakcourt.example>` → `oakcourt.example`). */
export function fromDomain(from: string): string {
  const at = from.lastIndexOf('@');
  return at >= 0 ? from.slice(at + 1).replace(/[>\s].*$/, '') : 'arrears.local';
}
