/**
 * Dataverse webhooks (reference §6 "Push", marked ~; Microsoft Learn "Use webhooks"): a
 * step registered with the Plug-in Registration Tool on Update of the case table POSTs the
 * RemoteExecutionContext as JSON. There is no HMAC: the registration carries a static key,
 * either as the `code` query parameter (auth type WebhookKey) or as a header (HttpHeader,
 * registered as `x-arrears-webhook-key`); it is compared in constant time with WEBHOOK_KEY.
 *
 * The context is only a hint: the row is read back (at-least-once, unordered deliveries)
 * and a hold request typed by staff becomes a SPEC 3.1 `hold` / `release` event.
 */
import type { WebhookConnector } from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { headerOf, safeEqual } from '../signing.js';
import type { DynamicsClient } from './client.js';
import { COLUMNS, executionContextOf, holdEventOf } from './map.js';
import type { DynamicsTable } from './sink.js';

export const KEY_HEADER = 'x-arrears-webhook-key';

function keyOf(url: string, headers: Parameters<typeof headerOf>[0]): string | undefined {
  let code: string | null = null;
  try {
    code = new URL(url).searchParams.get('code');
  } catch {
    code = null;
  }
  return code ?? headerOf(headers, KEY_HEADER);
}

export function dynamicsWebhook(
  ctx: ConnectorContext,
  client: DynamicsClient,
  t: DynamicsTable,
  secret: string | undefined,
): WebhookConnector {
  return {
    id: 'dynamics',
    secretConfigured: secret !== undefined && secret !== '',
    verify(request) {
      if (!secret) return { ok: false, reason: 'WEBHOOK_KEY is not configured' };
      const given = keyOf(request.url, request.headers);
      if (given === undefined || given === '')
        return { ok: false, reason: `no webhook key (\`code\` query parameter or ${KEY_HEADER})` };
      if (!safeEqual(given, secret)) return { ok: false, reason: 'the webhook key does not match' };
      const context = executionContextOf(request.body);
      // Retries of an asynchronous step keep their OperationId; a synchronous one has none.
      const eventId =
        context?.operationId ?? context?.requestId ?? headerOf(request.headers, 'x-request-id');
      if (eventId === undefined || eventId === '')
        return { ok: false, reason: 'no OperationId, RequestId or x-request-id' };
      return { ok: true, eventId };
    },
    async handle(event) {
      const answer = (events: number) => ({
        body: { received: true, duplicate: false, eventId: event.eventId, events },
      });
      const context = executionContextOf(event.body);
      if (
        context === null ||
        context.entityName !== t.table ||
        context.entityId === undefined ||
        context.messageName === 'Delete'
      )
        return answer(0);
      const res = await client.getRow(t.entitySet, context.entityId, [
        COLUMNS.leaseCase,
        COLUMNS.holdRequest,
        COLUMNS.holdUntil,
        'modifiedon',
      ]);
      if (res.status === 404) return answer(0);
      // Anything else unread is answered 500 by the router: Dataverse retries the step.
      if (res.status !== 200) throw new Error(`reading the case row answered ${res.status}`);
      const today = new Date(ctx.clock.now()).toISOString().slice(0, 10);
      const hold = holdEventOf(res.json as Record<string, unknown>, context.entityId, today);
      if (hold === null) return answer(0);
      await ctx.inbound.events([hold]);
      ctx.log.info(
        { connector: 'dynamics', row: context.entityId, type: hold.type },
        'hold request recorded',
      );
      return answer(1);
    },
  };
}
