/**
 * `smtp`: e-mail through any mail server (SPEC 11). The sender itself is the outbox's
 * nodemailer sender (outbox/smtp-sender.ts), shared with scheduled-report mail.
 */
import type { ConnectorModule } from '../contract.js';
import { createSmtpSender } from '../../outbox/smtp-sender.js';
import { smtpTransport } from '../../outbox/smtp-transport.js';
import { manifest } from './manifest.js';

export const smtpConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const url = ctx.settings.require('URL');
    const sender = createSmtpSender({
      url,
      from: ctx.settings.require('FROM'),
      async recipientOf(item) {
        const contact = await ctx.recipients.contactOf(item);
        return contact?.email ? { email: contact.email, name: contact.name } : null;
      },
      ...(ctx.unsubscribeUrl ? { unsubscribeUrl: ctx.unsubscribeUrl } : {}),
    });
    return {
      id: 'smtp',
      senders: { 'message:email': sender },
      async verify() {
        const started = Date.now();
        const transport = smtpTransport(url, 10_000);
        try {
          await transport.verify();
          const host = new URL(url).host;
          return {
            ok: true,
            detail: `SMTP ${host} greeted and accepted the login`,
            latencyMs: Date.now() - started,
          };
        } catch (e) {
          return { ok: false, detail: `SMTP: ${(e as Error).message}` };
        } finally {
          transport.close();
        }
      },
    };
  },
};
