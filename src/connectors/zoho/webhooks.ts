/**
 * Zoho CRM Notification API callbacks (reference §7): no HMAC — the channel's `token`
 * (≤ 50 characters, given when watching) is echoed in every notification and compared in
 * constant time with NOTIFY_TOKEN, and `channel_id` must be our channel. The callback's
 * field layout is marked ~ in the reference; only channel_id, token, module, operation,
 * ids and server_time are read.
 *
 * A notification says which records changed, not how: each changed case is read back and
 * a hold request typed by staff becomes a SPEC 3.1 `hold` / `release` event.
 */
import type { WebhookConnector } from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { safeEqual } from '../signing.js';
import type { ZohoClient } from './client.js';
import { FIELDS, holdEventOf, MODULE, notificationIdOf, notificationOf } from './map.js';

/** Records read back per notification; Zoho batches up to 100 ids. */
const MAX_IDS = 100;

export function zohoWebhook(
  ctx: ConnectorContext,
  client: ZohoClient,
  token: string | undefined,
  channelId: string,
): WebhookConnector {
  return {
    id: 'zoho',
    secretConfigured: token !== undefined && token !== '',
    verify(request) {
      if (!token) return { ok: false, reason: 'NOTIFY_TOKEN is not configured' };
      const n = notificationOf(request.body);
      if (n === null) return { ok: false, reason: 'not a notification (no channel_id / token)' };
      if (!safeEqual(n.token, token))
        return { ok: false, reason: 'the channel token does not match' };
      if (n.channelId !== channelId) return { ok: false, reason: 'not our notification channel' };
      return { ok: true, eventId: notificationIdOf(n) };
    },
    async handle(event) {
      const n = notificationOf(event.body)!;
      const answer = (events: number) => ({
        body: { received: true, duplicate: false, eventId: event.eventId, events },
      });
      if (n.module !== MODULE || n.operation === 'delete') return answer(0);
      const today = new Date(ctx.clock.now()).toISOString().slice(0, 10);
      const events: Record<string, unknown>[] = [];
      for (const id of n.ids.slice(0, MAX_IDS)) {
        const res = await client.getCase(id, [
          FIELDS.leaseCase,
          FIELDS.holdRequest,
          FIELDS.holdUntil,
          'Modified_Time',
        ]);
        if (res.status === 204 || res.status === 404) continue;
        // Unread: the router answers 500 and Zoho delivers the notification again.
        if (res.status !== 200) throw new Error(`reading case ${id} answered ${res.status}`);
        const record = (res.json as { data?: Record<string, unknown>[] }).data?.[0];
        const hold = record ? holdEventOf(record, today) : null;
        if (hold) events.push(hold);
      }
      if (events.length > 0) {
        await ctx.inbound.events(events);
        ctx.log.info({ connector: 'zoho', events: events.length }, 'hold requests recorded');
      }
      return answer(events.length);
    },
  };
}
