/**
 * `docusign`: payment-plan agreements signed through DocuSign eSignature (SPEC 11).
 *
 * A policy `writeback` action with `target: docusign` and `fields.document: payment_plan`
 * (installments as JSON) becomes an envelope: our PDF of the plan, the lease's tenant as the
 * one signer, and hidden custom fields (lease id, outbox key, installments) that let the
 * Connect callback of the completed envelope record the plan as a `plan` event.
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorInstance, type ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { createDocuSignClient } from './client.js';
import { manifest } from './manifest.js';
import {
  ANCHORS,
  envelopeDefinitionOf,
  PATHS,
  providerErrorOf,
  type EnvelopeDefinition,
} from './map.js';
import { agreementDateOf, isRefusal, planOfItem } from './payment-plan.js';
import { planTitle, renderPlanPdf } from './plan-pdf.js';
import { privateKeyOf } from './tokens.js';
import { connectKeysOf, createDocuSignWebhook } from './webhooks.js';

const ROUTE = 'writeback:docusign';

const rejected = (code: string, reason: string): SendOutcome => ({ tag: 'rejected', code, reason });

/** The envelope an item asks for, or why it cannot be sent. */
export async function envelopeOfItem(
  ctx: Pick<ConnectorContext, 'recipients' | 'clock'>,
  item: OutboxItem,
): Promise<EnvelopeDefinition | SendOutcome> {
  const plan = planOfItem(item);
  if (isRefusal(plan)) return rejected(plan.code, plan.reason);
  const contact = await ctx.recipients.contactOf(item);
  if (!contact) return rejected('no_contact', 'the lease has no tenant to sign the agreement');
  if (!contact.email)
    return rejected('no_email', 'the tenant has no e-mail address to receive the envelope');
  const pdf = await renderPlanPdf({
    plan,
    tenantName: contact.name,
    officeName: contact.office.name,
    date: agreementDateOf(item, ctx.clock.now()),
    language: contact.language,
    anchors: ANCHORS,
  });
  return envelopeDefinitionOf({
    plan,
    contact: { name: contact.name, email: contact.email },
    pdf,
    subject: `${planTitle(contact.language)} – ${contact.office.name}`,
    documentName: planTitle(contact.language),
  });
}

export function createDocuSign(ctx: ConnectorContext): ConnectorInstance {
  let privateKey;
  try {
    privateKey = privateKeyOf(ctx.settings.require('PRIVATE_KEY'));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      {
        path: settingEnvName('docusign', 'PRIVATE_KEY'),
        message:
          'must be the RSA private key of the Integration Key, in PEM (-----BEGIN RSA PRIVATE KEY----- …)',
      },
    ]);
  }
  const accountId = ctx.settings.require('ACCOUNT_ID');
  const client = createDocuSignClient({
    baseUrl: ctx.settings.baseUrl,
    authUrl: ctx.settings.require('AUTH_URL'),
    accountId,
    integrationKey: ctx.settings.require('INTEGRATION_KEY'),
    userId: ctx.settings.require('USER_ID'),
    privateKey,
    now: () => ctx.clock.now(),
    log: ctx.log,
  });

  return {
    id: 'docusign',
    senders: {
      [ROUTE]: {
        id: 'docusign',
        // Repeats are found by the outbox-key custom field before anything is created.
        idempotent: true,
        async send(item, sendCtx) {
          let envelope: EnvelopeDefinition | SendOutcome;
          try {
            envelope = await envelopeOfItem(ctx, item);
          } catch (error) {
            // Nothing has left yet: safe to try again.
            return { tag: 'retryable', reason: `not sent: ${(error as Error).message}` };
          }
          if ('tag' in envelope) return envelope;
          return client.sendEnvelope(envelope, item.key, item.createdAt, sendCtx.signal);
        },
      },
    },
    webhook: createDocuSignWebhook({
      connectKeys: connectKeysOf(ctx.settings.get('CONNECT_KEY')),
      inbound: ctx.inbound,
      client,
      log: ctx.log,
    }),
    async verify(signal) {
      const started = Date.now();
      try {
        const res = await client.account(signal);
        const err = providerErrorOf(res.json);
        const ok = res.status === 200;
        return {
          ok,
          detail: ok
            ? `token issued; GET ${PATHS.account(accountId)} answered 200`
            : `GET ${PATHS.account(accountId)} answered ${res.status}${err ? `: ${err.code} ${err.message}` : ''}`,
          latencyMs: Date.now() - started,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
}

export const docusignConnector: ConnectorModule = { manifest, create: createDocuSign };
