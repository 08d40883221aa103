/**
 * `POST /webhooks/sandbox-mail`: carrier tracking events for notices mailed through the
 * sandbox print-and-mail provider, signed like the other sandbox webhooks
 * (`X-Arrears-Signature`, `ARREARS_SANDBOX_WEBHOOK_SECRET`). A body
 *
 *   {"id": "evt_1", "trackingNumber": "9407…", "type": "delivered|returned|refused|unclaimed",
 *    "at": "2026-10-21T19:00:00Z", "detail": "Delivered, front door"}
 *
 * is appended to the notice's proof of service (app/record-mail-event.ts): a delivery
 * completes the proof; a return fails service of a statutory notice (R10).
 */
import { createHash } from 'node:crypto';
import type { WebhookConnector, WebhookResponse } from '../../app/ports/webhooks.js';
import { recordMailEvent, type MailEventDeps } from '../../app/record-mail-event.js';
import { MAIL_EVENT_TYPES, type MailEventType } from '../../domain/documents/proof.js';
import { InputError } from '../../domain/errors.js';
import { SIGNATURE_HEADER, verifySandboxSignature } from './webhooks.js';

export const SANDBOX_MAIL_CONNECTOR = 'sandbox-mail';

export interface SandboxMailDeps<Tx> extends MailEventDeps<Tx> {
  orgId: string;
  secret: string | undefined;
  toleranceSeconds?: number;
}

function problem(error: InputError, eventId: string): WebhookResponse {
  return {
    status: 400,
    contentType: 'application/problem+json',
    body: {
      type: 'urn:arrears:problem:invalid_input',
      title: 'The input is not valid',
      status: 400,
      detail: error.message,
      errors: error.issues.map((i) => ({ path: i.path, message: i.message })),
      eventId,
    },
  };
}

function readEvent(body: unknown): {
  trackingNumber: string;
  type: MailEventType;
  at: string;
  detail?: string;
} {
  const b = (body ?? {}) as Record<string, unknown>;
  const issues: { path: string; message: string }[] = [];
  const text = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');
  if (!text('trackingNumber')) issues.push({ path: 'trackingNumber', message: 'is required' });
  if (!(MAIL_EVENT_TYPES as readonly string[]).includes(text('type')))
    issues.push({ path: 'type', message: `must be one of ${MAIL_EVENT_TYPES.join(', ')}` });
  if (!text('at') || Number.isNaN(Date.parse(text('at'))))
    issues.push({
      path: 'at',
      message: 'must be an ISO-8601 instant such as 2026-10-21T19:00:00Z',
    });
  if (issues.length > 0) throw new InputError(issues);
  return {
    trackingNumber: text('trackingNumber'),
    type: text('type') as MailEventType,
    at: text('at'),
    ...(text('detail') ? { detail: text('detail').slice(0, 200) } : {}),
  };
}

export function sandboxMailWebhookConnector<Tx>(deps: SandboxMailDeps<Tx>): WebhookConnector {
  const secret = deps.secret?.trim() ? deps.secret : undefined;
  return {
    id: SANDBOX_MAIL_CONNECTOR,
    secretConfigured: secret !== undefined,
    verify(request) {
      if (secret === undefined) return { ok: false, reason: 'no signing secret configured' };
      const check = verifySandboxSignature(
        secret,
        request.headers[SIGNATURE_HEADER],
        request.rawBody,
        deps.clock,
        deps.toleranceSeconds,
      );
      if (!check.ok) return check;
      const id = (request.body as Record<string, unknown> | null)?.id;
      return {
        ok: true,
        eventId:
          typeof id === 'string' && id.trim() !== '' && id.length <= 512
            ? id
            : `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`,
      };
    },
    async handle(event): Promise<WebhookResponse> {
      try {
        const e = readEvent(event.body);
        const result = await recordMailEvent(
          deps,
          deps.orgId,
          { ...e, eventId: event.eventId, provider: 'postal-sandbox' },
          `provider:${SANDBOX_MAIL_CONNECTOR}`,
        );
        return { body: { received: true, eventId: event.eventId, ...result } };
      } catch (error) {
        if (error instanceof InputError) return problem(error, event.eventId);
        throw error;
      }
    },
  };
}
