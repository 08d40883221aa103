/**
 * `slack`: alerts to a staff channel (chat.postMessage) whose queue items carry Approve /
 * Reject buttons; a click comes back to `/webhooks/slack` and acts on the approval queue as
 * the Slack user who clicked (SPEC 10, 11; reference section 6).
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorModule, HealthResult } from '../contract.js';
import { takeClick } from './approvals.js';
import { createSlackClient } from './client.js';
import { manifest } from './manifest.js';
import { alertMessage } from './map.js';
import { createSlackWebhook } from './webhooks.js';

/** A chat.postMessage outcome in the words of `connectors test` and the alert log. */
export function healthOfPost(
  outcome: SendOutcome,
  channel: string,
  latencyMs: number,
): HealthResult {
  switch (outcome.tag) {
    case 'accepted':
      return { ok: true, detail: `posted to ${channel} (${outcome.externalId})`, latencyMs };
    case 'rejected':
      return {
        ok: false,
        detail: `Slack refused chat.postMessage to ${channel}: ${outcome.reason}`,
        latencyMs,
      };
    case 'retry_after':
      return {
        ok: false,
        detail: `Slack is rate-limiting chat.postMessage; retry after ${outcome.at}`,
        latencyMs,
      };
    case 'retryable':
      return {
        ok: false,
        detail: `chat.postMessage did not post (${outcome.reason}); retry later`,
        latencyMs,
      };
    case 'unknown':
      return {
        ok: false,
        detail: `chat.postMessage may or may not have posted: ${outcome.reason ?? 'answer lost'}`,
        latencyMs,
      };
  }
}

export const slackConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const channel = ctx.settings.require('CHANNEL');
    const client = createSlackClient({
      botToken: ctx.settings.require('BOT_TOKEN'),
      baseUrl: ctx.settings.baseUrl,
      now: () => ctx.clock.now(),
    });
    const webhook = createSlackWebhook({
      secret: ctx.settings.get('SIGNING_SECRET'),
      clock: ctx.clock,
      log: ctx.log,
      onClick: (click) => takeClick({ client, queue: ctx.queue, log: ctx.log }, click),
    });
    return {
      id: 'slack',
      webhook,
      async notify(alert, signal) {
        const started = Date.now();
        const outcome = await client.postMessage(alertMessage(alert, channel), signal);
        const health = healthOfPost(outcome, channel, Date.now() - started);
        if (!health.ok) ctx.log.warn({ kind: alert.kind, outcome: outcome.tag }, health.detail);
        return health;
      },
      async verify(signal) {
        const started = Date.now();
        const answer = await client.authTest(signal);
        const latencyMs = Date.now() - started;
        return answer.ok
          ? {
              ok: true,
              detail: `auth.test: bot ${answer.user} in workspace ${answer.team}`,
              latencyMs,
            }
          : { ok: false, detail: `auth.test refused: ${answer.message}`, latencyMs };
      },
    };
  },
};
