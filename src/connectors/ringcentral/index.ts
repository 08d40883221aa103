/**
 * `ringcentral`: SMS and RingOut calls through RingCentral (SPEC 11), inbound SMS and
 * outbound SMS statuses through a webhook subscription.
 *
 * Voice is a gap RingCentral's API leaves open: RingOut only connects two phones. A voice
 * item rings RINGOUT_FROM (a staff phone) first, then the tenant, and the staff member
 * speaks; nothing can play the item's text, and an unanswered call cannot leave a
 * recorded voicemail — only the staff member can, live, on the tenant's voicemail.
 * `accepted` therefore means "the call was placed", never "the message was heard".
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import { InputError } from '../../domain/errors.js';
import type { ConnectorInstance, ConnectorModule, HealthResult } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { settingEnvName } from '../contract.js';
import { createRingCentralClient } from './client.js';
import { manifest } from './manifest.js';
import {
  E164,
  PATHS,
  providerErrorOf,
  ringOutRequestOf,
  smsRequestOf,
  subscriptionRequestOf,
  textOf,
  webhookAddressOf,
} from './map.js';
import { createRingCentralWebhook } from './webhooks.js';

export interface RingCentralInstance extends ConnectorInstance {
  /**
   * Creates the webhook subscription (inbound SMS, outbound SMS statuses, renewal
   * reminders) to `${ARREARS_PUBLIC_URL}/webhooks/ringcentral`; RingCentral checks the
   * address with its Validation-Token handshake before answering.
   */
  subscribe(signal?: AbortSignal): Promise<HealthResult & { subscriptionId?: string }>;
}

function phoneSetting(key: string, value: string | undefined) {
  if (value !== undefined && !E164.test(value))
    throw new InputError([
      {
        path: settingEnvName('ringcentral', key),
        message: 'must be an E.164 phone number such as +14155550100',
      },
    ]);
  return value;
}

export function createRingCentral(ctx: ConnectorContext): RingCentralInstance {
  const from = phoneSetting('FROM', ctx.settings.require('FROM'))!;
  const ringOutFrom = phoneSetting('RINGOUT_FROM', ctx.settings.get('RINGOUT_FROM'));
  const webhookToken = ctx.settings.get('WEBHOOK_TOKEN');
  const client = createRingCentralClient({
    baseUrl: ctx.settings.baseUrl,
    clientId: ctx.settings.require('CLIENT_ID'),
    clientSecret: ctx.settings.require('CLIENT_SECRET'),
    jwt: ctx.settings.require('JWT'),
    now: () => ctx.clock.now(),
  });

  async function phoneOf(item: OutboxItem): Promise<string | SendOutcome> {
    const contact = await ctx.recipients.contactOf(item);
    return (
      contact?.phone ?? {
        tag: 'rejected',
        code: 'no_phone',
        reason: 'the contact has no phone number',
      }
    );
  }

  return {
    id: 'ringcentral',
    senders: {
      'message:sms': {
        id: 'ringcentral',
        idempotent: false,
        async send(item, sendCtx) {
          const to = await phoneOf(item);
          if (typeof to !== 'string') return to;
          return client.sendSms(smsRequestOf(from, to, textOf(item)), sendCtx.signal);
        },
      },
      'message:voice': {
        id: 'ringcentral',
        idempotent: false,
        async send(item, sendCtx) {
          const to = await phoneOf(item);
          if (typeof to !== 'string') return to;
          return client.placeRingOut(ringOutRequestOf(to, ringOutFrom), sendCtx.signal);
        },
      },
    },
    webhook: createRingCentralWebhook({ webhookToken, inbound: ctx.inbound, client, log: ctx.log }),

    async verify(signal) {
      const started = Date.now();
      try {
        const res = await client.extension(signal);
        const err = providerErrorOf(res.json);
        const ok = res.status === 200;
        return {
          ok,
          detail: ok
            ? `token issued; GET ${PATHS.extension} answered 200`
            : `GET ${PATHS.extension} answered ${res.status}${err ? `: ${err.code} ${err.message}` : ''}`,
          latencyMs: Date.now() - started,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },

    async subscribe(signal) {
      if (!webhookToken)
        return { ok: false, detail: `set ${settingEnvName('ringcentral', 'WEBHOOK_TOKEN')} first` };
      if (!ctx.publicUrl)
        return {
          ok: false,
          detail: 'set ARREARS_PUBLIC_URL: RingCentral needs an address to call',
        };
      const address = webhookAddressOf(ctx.publicUrl);
      try {
        const res = await client.createSubscription(
          subscriptionRequestOf(address, webhookToken),
          signal,
        );
        const id = (res.json as { id?: unknown } | undefined)?.id;
        if (res.status === 200 && typeof id === 'string')
          return { ok: true, detail: `subscribed ${address}`, subscriptionId: id };
        const err = providerErrorOf(res.json);
        return {
          ok: false,
          detail: `subscription refused (${res.status}${err ? ` ${err.code} ${err.message}` : ''})`,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
}

export const ringcentralConnector: ConnectorModule = {
  manifest,
  create: createRingCentral,
};
