/**
 * `sendgrid`: e-mail through SendGrid's v3 Mail Send (SPEC 11), delivery statuses and
 * opt-outs from its Signed Event Webhook, tenants' replies from Inbound Parse.
 */
import type { ConnectorModule } from '../contract.js';
import { emailSender } from '../email-message.js';
import { createSendgridClient } from './client.js';
import { manifest } from './manifest.js';
import { addressOf, mailSendBodyOf } from './map.js';
import { createSendgridWebhook } from './webhooks.js';

export const sendgridConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const from = addressOf(ctx.settings.require('FROM'));
    const client = createSendgridClient({
      apiKey: ctx.settings.require('API_KEY'),
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
    });
    return {
      id: 'sendgrid',
      senders: {
        'message:email': emailSender('sendgrid', ctx, (m) =>
          client.send(mailSendBodyOf(m.item, m.contact, from, m.text, m.unsubscribeUrl), m.signal),
        ),
      },
      webhook: createSendgridWebhook({
        publicKey: ctx.settings.get('WEBHOOK_PUBLIC_KEY'),
        parseToken: ctx.settings.get('INBOUND_PARSE_TOKEN'),
        inbound: ctx.inbound,
        clock: ctx.clock,
        log: ctx.log,
      }),
      async verify(signal) {
        const started = Date.now();
        try {
          const answer = await client.scopes(signal);
          const latencyMs = Date.now() - started;
          if (answer.status !== 200)
            return {
              ok: false,
              detail: `GET /v3/scopes answered ${answer.status}${answer.message ? `: ${answer.message}` : ''}`,
              latencyMs,
            };
          const canSend = answer.scopes.includes('mail.send');
          return {
            ok: canSend,
            detail: canSend
              ? 'GET /v3/scopes: the API key holds mail.send'
              : 'GET /v3/scopes: the API key lacks the mail.send permission',
            latencyMs,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};
