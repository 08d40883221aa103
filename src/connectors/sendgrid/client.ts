/**
 * The v3 API calls: mail send and the scopes of the key. A 202 has no body; the message is
 * named by the `X-Message-Id` response header.
 *
 * Mail send has no idempotency key, so a lost answer is `unknown`. 429 is retried (the
 * provider did not act, `Retry-After` honoured); so are 5xx, as the integration brief asks:
 * SendGrid documents none of them as "processed", and a retried 5xx that had in fact queued
 * the mail would send it twice.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import { createProviderHttp, type ProviderHttp } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { errorOf, type MailSendBody } from './map.js';

export interface SendgridClientOptions {
  apiKey: string;
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export interface ScopesAnswer {
  status: number;
  scopes: string[];
  /** The provider's message on a refusal. */
  message: string | undefined;
}

export function createSendgridClient(options: SendgridClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    auth: () => ({ authorization: `Bearer ${options.apiKey}` }),
    userAgent: 'arrears-sendgrid/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
  });

  return {
    async send(body: MailSendBody, signal?: AbortSignal): Promise<SendOutcome> {
      try {
        const res = await http.request({
          method: 'POST',
          path: '/v3/mail/send',
          json: body,
          retryServerErrors: true,
          signal,
        });
        if (res.status === 403) {
          // The key lacks Mail Send, or From is not a verified Sender Identity: the
          // operator's to fix, like a refused key, so the item waits instead of failing.
          const err = errorOf(res);
          return {
            tag: 'retryable',
            reason: `credentials refused: ${err?.message ?? 'HTTP 403'}`.slice(0, 200),
          };
        }
        return outcomeOfResponse(res, {
          idempotent: false,
          serverErrorsAreRetryable: true,
          now: options.now(),
          externalId: (r) => r.headers.get('x-message-id') ?? undefined,
          errorOf,
        });
      } catch (error) {
        return outcomeOfError(error, false);
      }
    },

    async scopes(signal?: AbortSignal): Promise<ScopesAnswer> {
      const res = await http.request({
        method: 'GET',
        path: '/v3/scopes',
        idempotent: true,
        signal,
      });
      const scopes = (res.json as { scopes?: unknown } | undefined)?.scopes;
      return {
        status: res.status,
        scopes: Array.isArray(scopes)
          ? scopes.filter((s): s is string => typeof s === 'string')
          : [],
        message: res.status >= 300 ? errorOf(res)?.message : undefined,
      };
    },
  };
}

export type SendgridClient = ReturnType<typeof createSendgridClient>;
