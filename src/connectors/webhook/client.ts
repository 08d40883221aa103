/**
 * Posts signed events. The signature is the one Arrears' own sandbox webhooks use, so a
 * receiver verifies both the same way (`verifySandboxSignature`).
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import { createProviderHttp, type ProviderHttp } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { signSandboxWebhook } from '../sandbox/webhooks.js';
import { webhookBodyOf, webhookUrlOf } from './map.js';

export const SIGNATURE_HEADER = 'X-Arrears-Signature';

export interface WebhookClientOptions {
  secret: string;
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export function createWebhookClient(options: WebhookClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    userAgent: 'arrears-webhooks/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
  });

  async function post(url: string, body: object, deliveryId: string, signal?: AbortSignal) {
    const raw = JSON.stringify(body);
    const t = Math.floor(options.now() / 1000);
    return http.request({
      method: 'POST',
      path: url,
      body: raw,
      contentType: 'application/json',
      headers: {
        [SIGNATURE_HEADER]: signSandboxWebhook(options.secret, raw, t),
        'X-Arrears-Event': (body as { event?: string }).event ?? 'event',
        'X-Arrears-Delivery': deliveryId,
        'Idempotency-Key': deliveryId,
      },
      idempotent: true,
      signal,
    });
  }

  return {
    async deliver(item: OutboxItem, signal?: AbortSignal): Promise<SendOutcome> {
      const url = webhookUrlOf(item);
      if (url === undefined)
        return { tag: 'rejected', code: 'no_url', reason: 'the webhook action has no url' };
      try {
        const res = await post(url, webhookBodyOf(item), item.key, signal);
        if (res.status === 410)
          return { tag: 'rejected', code: '410', reason: 'the receiver is gone (410)' };
        return outcomeOfResponse(res, {
          idempotent: true,
          now: options.now(),
          externalId: () => item.key,
          errorOf: (r) => ({
            code: String(r.status),
            message: r.text.slice(0, 200) || `HTTP ${r.status}`,
          }),
        });
      } catch (error) {
        return outcomeOfError(error, true);
      }
    },
    async ping(signal?: AbortSignal) {
      const id = `ping-${options.now()}`;
      return post(
        options.baseUrl,
        { id, event: 'ping', createdAt: new Date(options.now()).toISOString() },
        id,
        signal,
      );
    },
  };
}
