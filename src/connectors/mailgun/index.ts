/**
 * `mailgun`: e-mail through Mailgun's Messages API (SPEC 11), delivery statuses and
 * opt-outs from its webhooks, tenants' replies from a Route forwarding to the same URL.
 */
import type { ConnectorModule } from '../contract.js';
import { emailSender } from '../email-message.js';
import { createMailgunClient } from './client.js';
import { manifest } from './manifest.js';
import { messageFieldsOf } from './map.js';
import { createMailgunWebhook } from './webhooks.js';

export const mailgunConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const from = ctx.settings.require('FROM');
    const domain = ctx.settings.require('DOMAIN');
    const client = createMailgunClient({
      apiKey: ctx.settings.require('API_KEY'),
      domain,
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
    });
    return {
      id: 'mailgun',
      senders: {
        'message:email': emailSender('mailgun', ctx, (m) =>
          client.send(messageFieldsOf(m.item, m.contact, from, m.text, m.unsubscribeUrl), m.signal),
        ),
      },
      webhook: createMailgunWebhook({
        signingKey: ctx.settings.get('WEBHOOK_SIGNING_KEY'),
        inbound: ctx.inbound,
        clock: ctx.clock,
        log: ctx.log,
      }),
      async verify(signal) {
        const started = Date.now();
        try {
          const answer = await client.domain(signal);
          const latencyMs = Date.now() - started;
          const path = `GET /v3/domains/${domain}`;
          if (answer.status !== 200)
            return {
              ok: false,
              detail: `${path} answered ${answer.status}${answer.message ? `: ${answer.message}` : ''}`,
              latencyMs,
            };
          return {
            ok: true,
            detail: `${path}: the domain is ${answer.state ?? 'known'}`,
            latencyMs,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message };
        }
      },
    };
  },
};
