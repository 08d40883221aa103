/**
 * `adobesign`: payment-plan agreements signed through Adobe Acrobat Sign (SPEC 11).
 *
 * A policy `writeback` action with `target: adobesign` and `fields.document: payment_plan`
 * (installments as JSON) becomes an agreement: our PDF of the plan uploaded as a transient
 * document, the lease's tenant as the one SIGNER, and an externalId carrying the lease id,
 * outbox key and installments, from which the AGREEMENT_WORKFLOW_COMPLETED webhook records
 * the plan as a `plan` event.
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorInstance, ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { agreementDateOf, isRefusal, planOfItem } from '../docusign/payment-plan.js';
import { localeOf, planTitle, renderPlanPdf } from '../docusign/plan-pdf.js';
import { createAdobeSignClient, type AgreementToSend } from './client.js';
import { manifest } from './manifest.js';
import { externalIdOf, PATHS, providerErrorOf } from './map.js';
import { createAdobeSignWebhook, type AdobeSignWebhook } from './webhooks.js';

const ROUTE = 'writeback:adobesign';

const MESSAGE = {
  en: 'Please review and sign your payment plan agreement.',
  es: 'Revise y firme su acuerdo de plan de pagos, por favor.',
} as const;

const rejected = (code: string, reason: string): SendOutcome => ({ tag: 'rejected', code, reason });

/** The agreement an item asks for, or why it cannot be sent. */
export async function agreementOfItem(
  ctx: Pick<ConnectorContext, 'recipients' | 'clock'>,
  item: OutboxItem,
): Promise<AgreementToSend | SendOutcome> {
  const plan = planOfItem(item);
  if (isRefusal(plan)) return rejected(plan.code, plan.reason);
  const contact = await ctx.recipients.contactOf(item);
  if (!contact) return rejected('no_contact', 'the lease has no tenant to sign the agreement');
  if (!contact.email)
    return rejected('no_email', 'the tenant has no e-mail address to receive the agreement');
  const pdf = await renderPlanPdf({
    plan,
    tenantName: contact.name,
    officeName: contact.office.name,
    date: agreementDateOf(item, ctx.clock.now()),
    language: contact.language,
  });
  return {
    pdf,
    fileName: 'payment-plan.pdf',
    name: `${planTitle(contact.language)} – ${contact.office.name}`,
    signerEmail: contact.email,
    externalId: externalIdOf(plan),
    message: MESSAGE[localeOf(contact.language)],
  };
}

export interface AdobeSignInstance extends ConnectorInstance {
  webhook: AdobeSignWebhook;
}

export function createAdobeSign(ctx: ConnectorContext): AdobeSignInstance {
  const clientId = ctx.settings.require('CLIENT_ID');
  const client = createAdobeSignClient({
    baseUrl: ctx.settings.baseUrl,
    tokenUrl: ctx.settings.get('TOKEN_URL') ?? `${ctx.settings.baseUrl}${PATHS.refresh}`,
    clientId,
    clientSecret: ctx.settings.require('CLIENT_SECRET'),
    refreshToken: ctx.settings.require('REFRESH_TOKEN'),
    now: () => ctx.clock.now(),
    log: ctx.log,
  });

  return {
    id: 'adobesign',
    senders: {
      [ROUTE]: {
        id: 'adobesign',
        // Repeats are found by externalId before anything is created.
        idempotent: true,
        async send(item, sendCtx) {
          let agreement: AgreementToSend | SendOutcome;
          try {
            agreement = await agreementOfItem(ctx, item);
          } catch (error) {
            // Nothing has left yet: safe to try again.
            return { tag: 'retryable', reason: `not sent: ${(error as Error).message}` };
          }
          if ('tag' in agreement) return agreement;
          return client.sendAgreement(agreement, sendCtx.signal);
        },
      },
    },
    webhook: createAdobeSignWebhook({ clientId, inbound: ctx.inbound, client, log: ctx.log }),
    async verify(signal) {
      const started = Date.now();
      try {
        const res = await client.baseUris(signal);
        const err = providerErrorOf(res.json);
        const ok = res.status === 200;
        return {
          ok,
          detail: ok
            ? `token refreshed; GET ${PATHS.baseUris} answered 200`
            : `GET ${PATHS.baseUris} answered ${res.status}${err ? `: ${err.code} ${err.message}` : ''}`,
          latencyMs: Date.now() - started,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
}

export const adobesignConnector: ConnectorModule = { manifest, create: createAdobeSign };
