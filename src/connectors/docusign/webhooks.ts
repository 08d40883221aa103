/**
 * DocuSign Connect at `/webhooks/docusign` (JSON SIM payloads). With "Include HMAC signature"
 * on, each delivery carries X-DocuSign-Signature-1 … -N, one per active Connect key, each
 * base64(HMAC-SHA256(key, the raw body bytes)); a delivery is genuine when any header
 * matches any key we hold (CONNECT_KEY, comma-separated while rotating). No timestamp is
 * signed, so replays are caught by the router's dedupe, and a completed envelope's `plan`
 * event carries an id of its own.
 *
 * envelope-completed on a payment-plan envelope → a `plan` event (the payment_plan hold);
 * envelope-declined / envelope-voided → logged; anything else is acknowledged and ignored.
 */
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import { InputError } from '../../domain/errors.js';
import type { ConnectorLog, InboundSink } from '../context.js';
import { hmac, safeEqual } from '../signing.js';
import type { DocuSignClient } from './client.js';
import {
  connectEventIdOf,
  connectEventOf,
  customFieldsOf,
  FIELD,
  planOfEnvelope,
  type ConnectEvent,
  type EnvelopeSummary,
} from './map.js';
import { planEvent } from './payment-plan.js';

const SIGNATURE_HEADER = /^x-docusign-signature-(\d{1,3})$/;

/** `CONNECT_KEY` → the keys it holds (several while one is being rotated out). */
export function connectKeysOf(setting: string | undefined): string[] {
  return (setting ?? '')
    .split(/[\s,]+/)
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/** What DocuSign puts in X-DocuSign-Signature-N for one key. */
export function connectSignature(key: string, rawBody: Buffer | string): string {
  return hmac('sha256', key, rawBody).toString('base64');
}

function jsonOf(req: InboundWebhookRequest): unknown {
  if (req.body !== undefined && typeof req.body === 'object') return req.body;
  try {
    return JSON.parse(req.rawBody.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function verifyConnect(
  req: InboundWebhookRequest,
  keys: readonly string[],
): WebhookVerification {
  const presented = Object.entries(req.headers)
    .filter(([name]) => SIGNATURE_HEADER.test(name))
    .flatMap(([, v]) => (Array.isArray(v) ? v : v === undefined ? [] : [v]));
  if (presented.length === 0) return { ok: false, reason: 'no X-DocuSign-Signature header' };
  const expected = keys.map((k) => connectSignature(k, req.rawBody));
  // Every pair is compared, so the time taken does not tell which one matched.
  let matched = false;
  for (const p of presented) for (const e of expected) matched = safeEqual(p.trim(), e) || matched;
  if (!matched) return { ok: false, reason: 'no X-DocuSign-Signature matches a Connect key' };
  const event = connectEventOf(jsonOf(req));
  if (!event) return { ok: false, reason: 'not a JSON (SIM) Connect payload with an envelopeId' };
  return { ok: true, eventId: connectEventIdOf(event) };
}

export interface DocuSignWebhookDeps {
  connectKeys: readonly string[];
  inbound: InboundSink;
  client: Pick<DocuSignClient, 'envelope'>;
  log: ConnectorLog;
}

export function createDocuSignWebhook(deps: DocuSignWebhookDeps): WebhookConnector {
  const { connectKeys, inbound, client, log } = deps;

  /** The summary Connect sent when it has the custom fields, else the envelope as DocuSign has it now. */
  async function envelopeOf(e: ConnectEvent): Promise<EnvelopeSummary> {
    const s = e.data.envelopeSummary;
    if (s?.status !== undefined && s.customFields !== undefined)
      return { ...s, status: s.status, envelopeId: e.data.envelopeId };
    return client.envelope(e.data.envelopeId);
  }

  async function completed(e: ConnectEvent, receivedAt: string): Promise<void> {
    // A failed read throws: the router releases the event and Connect's retry is handled.
    const envelope = await envelopeOf(e);
    const plan = planOfEnvelope(envelope);
    if (!plan) {
      log.info(
        { connector: 'docusign', envelopeId: envelope.envelopeId },
        'completed envelope is no payment plan; ignored',
      );
      return;
    }
    if (envelope.status !== 'completed') {
      log.warn(
        { connector: 'docusign', envelopeId: envelope.envelopeId, status: envelope.status },
        'envelope-completed for an envelope DocuSign does not show completed; not recorded',
      );
      return;
    }
    const event = planEvent(plan, {
      provider: 'docusign',
      agreementId: envelope.envelopeId,
      at: envelope.completedDateTime ?? e.generatedDateTime ?? receivedAt,
    });
    try {
      await inbound.events([event]);
      log.info(
        {
          connector: 'docusign',
          envelopeId: envelope.envelopeId,
          leaseId: plan.leaseId,
          outboxKey: plan.outboxKey,
        },
        'payment plan signed; plan recorded',
      );
    } catch (error) {
      // An unknown lease or a bad plan will not get better on a retry: log, acknowledge.
      if (!(error instanceof InputError)) throw error;
      log.warn(
        {
          connector: 'docusign',
          envelopeId: envelope.envelopeId,
          leaseId: plan.leaseId,
          problem: error.message,
        },
        'signed payment plan could not be recorded',
      );
    }
  }

  return {
    id: 'docusign',
    secretConfigured: connectKeys.length > 0,
    verify: (req) =>
      connectKeys.length > 0
        ? verifyConnect(req, connectKeys)
        : { ok: false, reason: 'CONNECT_KEY is not configured' },
    async handle(event) {
      const e = connectEventOf(jsonOf(event));
      if (!e) return;
      switch (e.event) {
        case 'envelope-completed':
          return completed(e, event.receivedAt);
        case 'envelope-declined':
        case 'envelope-voided': {
          const fields = customFieldsOf(e.data.envelopeSummary ?? {});
          log.info(
            {
              connector: 'docusign',
              envelopeId: e.data.envelopeId,
              event: e.event,
              leaseId: fields.get(FIELD.leaseId),
              outboxKey: fields.get(FIELD.outboxKey),
            },
            e.event === 'envelope-declined'
              ? 'agreement declined by the signer'
              : 'envelope voided',
          );
          return;
        }
        default:
          log.info(
            { connector: 'docusign', envelopeId: e.data.envelopeId, event: e.event },
            'Connect event ignored',
          );
      }
    },
  };
}
