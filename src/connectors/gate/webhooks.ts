/**
 * `/webhooks/gate`: signed callbacks of the gate system (contract v1 in manifest.ts), checked
 * with the same X-Arrears-Signature scheme as Arrears' sandbox webhooks, over the raw bytes,
 * in constant time, within five minutes. Keypad, app and card events (access granted or
 * denied at a unit) and lockout confirmations are acknowledged and logged; none changes a
 * case, so nothing else is recorded.
 */
import { createHash } from 'node:crypto';
import type {
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { SIGNATURE_HEADER, verifySandboxSignature } from '../sandbox/webhooks.js';
import { gateEventOf } from './map.js';

export function gateWebhook(ctx: ConnectorContext, secret: string | undefined): WebhookConnector {
  const key = secret?.trim() ? secret : undefined;
  return {
    id: 'gate',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no webhook secret configured' };
      const check = verifySandboxSignature(
        key,
        request.headers[SIGNATURE_HEADER],
        request.rawBody,
        ctx.clock,
      );
      if (!check.ok) return check;
      const id = gateEventOf(request.body)?.id;
      return {
        ok: true,
        eventId:
          id && id.length <= 512
            ? id
            : `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`,
      };
    },
    handle(event): Promise<WebhookResponse> {
      const e = gateEventOf(event.body);
      if (!e) {
        ctx.log.warn(
          { connector: 'gate', eventId: event.eventId },
          'gate callback is not an event of the contract',
        );
        return Promise.resolve({
          status: 400,
          body: {
            received: false,
            eventId: event.eventId,
            error: {
              code: 'invalid_event',
              message:
                'expected {id, type: access.granted|access.denied|lockout.applied|lockout.removed, unit, occurredAt}',
            },
          },
        });
      }
      ctx.log.info(
        {
          connector: 'gate',
          eventId: event.eventId,
          type: e.type,
          unit: e.unit,
          credential: e.credential,
          occurredAt: e.occurredAt,
        },
        'gate event',
      );
      return Promise.resolve({
        body: { received: true, duplicate: false, eventId: event.eventId, type: e.type },
      });
    },
  };
}
