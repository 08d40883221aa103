/**
 * Acrobat Sign webhooks at `/webhooks/adobesign`. There is no HMAC (v6 docs): every request
 * carries `X-AdobeSign-ClientId`, the client id of the app that created the webhook, which
 * must equal CLIENT_ID and be echoed back with a 2xx — as the response header
 * `X-AdobeSign-ClientId` and as JSON `{"xAdobeSignClientId": …}` — or Acrobat Sign treats the
 * delivery as failed (and, for the verification-of-intent GET made before the webhook is
 * registered, refuses to register it).
 *
 * The client id is not a secret: anyone could send a notification carrying it. So nothing
 * in the body is trusted: a completed agreement is read again from Acrobat Sign, which must
 * show it SIGNED, and the plan comes from the externalId it has there.
 */
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import { InputError } from '../../domain/errors.js';
import type { ConnectorLog, InboundSink } from '../context.js';
import { planEvent } from '../docusign/payment-plan.js';
import { headerOf, safeEqual } from '../signing.js';
import type { AdobeSignClient } from './client.js';
import {
  CLIENT_ID_BODY_FIELD,
  CLIENT_ID_HEADER,
  notificationOf,
  planOfExternalId,
  UNSIGNED_EVENTS,
  type Notification,
} from './map.js';

export interface AdobeSignWebhook extends WebhookConnector {
  /**
   * The verification of intent: a GET carrying X-AdobeSign-ClientId, answered 2xx with the
   * echo only when it is our client id. Served once the router routes GET /webhooks/{id}
   * to `handshake` (the shared change this connector asks for).
   */
  handshake(request: InboundWebhookRequest): WebhookResponse;
}

function jsonOf(req: InboundWebhookRequest): unknown {
  if (req.body !== undefined && typeof req.body === 'object') return req.body;
  try {
    return JSON.parse(req.rawBody.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function clientIdMatches(req: InboundWebhookRequest, clientId: string): string | undefined {
  const presented = headerOf(req.headers, CLIENT_ID_HEADER);
  if (presented === undefined) return 'no X-AdobeSign-ClientId header';
  if (!safeEqual(presented, clientId)) return 'X-AdobeSign-ClientId is not our client id';
  return undefined;
}

export function verifyAdobeSign(req: InboundWebhookRequest, clientId: string): WebhookVerification {
  const problem = clientIdMatches(req, clientId);
  if (problem) return { ok: false, reason: problem };
  const n = notificationOf(jsonOf(req));
  if (!n) return { ok: false, reason: 'not a webhook notification with a webhookNotificationId' };
  return { ok: true, eventId: n.webhookNotificationId };
}

/** The answer Acrobat Sign needs: 2xx and the client id echoed (header and body). */
export function echo(clientId: string, extra: Record<string, unknown> = {}): WebhookResponse {
  return {
    status: 200,
    contentType: 'application/json',
    headers: { [CLIENT_ID_HEADER]: clientId },
    body: { [CLIENT_ID_BODY_FIELD]: clientId, ...extra },
  };
}

export interface AdobeSignWebhookDeps {
  /** CLIENT_ID; undefined → every request refused (503 by the router). */
  clientId: string | undefined;
  inbound: InboundSink;
  client: Pick<AdobeSignClient, 'agreement'>;
  log: ConnectorLog;
}

export function createAdobeSignWebhook(deps: AdobeSignWebhookDeps): AdobeSignWebhook {
  const { clientId, inbound, client, log } = deps;

  async function completed(n: Notification, receivedAt: string): Promise<void> {
    const id = n.agreement?.id;
    if (!id) return;
    // A failed read throws: the router releases the event and Acrobat Sign's retry is handled.
    const agreement = await client.agreement(id);
    const plan = planOfExternalId(agreement?.externalId?.id);
    if (!agreement || !plan) {
      log.info(
        { connector: 'adobesign', agreementId: id },
        'completed agreement is no payment plan of ours; ignored',
      );
      return;
    }
    if (agreement.status !== 'SIGNED') {
      log.warn(
        { connector: 'adobesign', agreementId: id, status: agreement.status },
        'AGREEMENT_WORKFLOW_COMPLETED for an agreement Acrobat Sign does not show SIGNED; not recorded',
      );
      return;
    }
    try {
      await inbound.events([
        planEvent(plan, { provider: 'adobesign', agreementId: id, at: n.eventDate ?? receivedAt }),
      ]);
      log.info(
        {
          connector: 'adobesign',
          agreementId: id,
          leaseId: plan.leaseId,
          outboxKey: plan.outboxKey,
        },
        'payment plan signed; plan recorded',
      );
    } catch (error) {
      // An unknown lease or a bad plan will not get better on a retry: log, acknowledge.
      if (!(error instanceof InputError)) throw error;
      log.warn(
        { connector: 'adobesign', agreementId: id, leaseId: plan.leaseId, problem: error.message },
        'signed payment plan could not be recorded',
      );
    }
  }

  return {
    id: 'adobesign',
    secretConfigured: clientId !== undefined && clientId !== '',
    verify: (req) =>
      clientId
        ? verifyAdobeSign(req, clientId)
        : { ok: false, reason: 'CLIENT_ID is not configured' },

    handshake(req) {
      const problem = clientId ? clientIdMatches(req, clientId) : 'CLIENT_ID is not configured';
      if (problem || !clientId) {
        log.warn(
          { connector: 'adobesign', reason: problem },
          'webhook verification of intent refused',
        );
        return { status: 401, contentType: 'application/json', body: { error: problem } };
      }
      log.info({ connector: 'adobesign' }, 'webhook verification of intent answered');
      return echo(clientId);
    },

    async handle(event) {
      const n = notificationOf(jsonOf(event));
      if (n?.event === 'AGREEMENT_WORKFLOW_COMPLETED') await completed(n, event.receivedAt);
      else if (n && UNSIGNED_EVENTS.has(n.event))
        log.info(
          { connector: 'adobesign', agreementId: n.agreement?.id, event: n.event },
          'agreement will not be signed',
        );
      else log.info({ connector: 'adobesign', event: n?.event }, 'webhook event ignored');
      return echo(clientId!, { received: true, duplicate: false, eventId: event.eventId });
    },

    // A repeat must be echoed too, or Acrobat Sign counts it failed and retries it.
    duplicateResponse(req) {
      if (!clientId) return undefined;
      const n = notificationOf(jsonOf(req));
      return echo(clientId, {
        received: true,
        duplicate: true,
        ...(n ? { eventId: n.webhookNotificationId } : {}),
      });
    },
  };
}
