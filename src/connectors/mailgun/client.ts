/**
 * The Messages API and the domain read. The send answers `{id, message}`; `id` (without its
 * angle brackets) is the message id events carry.
 *
 * No idempotency key is documented, so a lost answer is `unknown`. 429 is retried
 * (`Retry-After` honoured), and so is a 5xx: Mailgun's response-code page recommends
 * retrying 500 with backoff.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import { basicAuth, createProviderHttp, type ProviderHttp } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { errorOf, messageIdOf } from './map.js';

export interface MailgunClientOptions {
  apiKey: string;
  domain: string;
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export interface DomainAnswer {
  status: number;
  state: string | undefined;
  message: string | undefined;
}

export function createMailgunClient(options: MailgunClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    auth: () => ({ authorization: basicAuth('api', options.apiKey) }),
    userAgent: 'arrears-mailgun/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
  });
  const domain = encodeURIComponent(options.domain);

  return {
    async send(fields: Record<string, string>, signal?: AbortSignal): Promise<SendOutcome> {
      try {
        const res = await http.request({
          method: 'POST',
          path: `/v3/${domain}/messages`,
          form: fields,
          retryServerErrors: true,
          signal,
        });
        if (res.status === 403)
          // "Auth error or access denied" (a sending key on another domain …): the
          // operator's to fix, like a refused key, so the item waits instead of failing.
          return {
            tag: 'retryable',
            reason: `credentials refused: ${errorOf(res)?.message ?? 'HTTP 403'}`.slice(0, 200),
          };
        return outcomeOfResponse(res, {
          idempotent: false,
          serverErrorsAreRetryable: true,
          now: options.now(),
          externalId: messageIdOf,
          errorOf,
        });
      } catch (error) {
        return outcomeOfError(error, false);
      }
    },

    async domain(signal?: AbortSignal): Promise<DomainAnswer> {
      const res = await http.request({
        method: 'GET',
        path: `/v3/domains/${domain}`,
        idempotent: true,
        signal,
      });
      const state = (res.json as { domain?: { state?: unknown } } | undefined)?.domain?.state;
      return {
        status: res.status,
        state: typeof state === 'string' ? state : undefined,
        message: res.status >= 300 ? errorOf(res)?.message : undefined,
      };
    },
  };
}

export type MailgunClient = ReturnType<typeof createMailgunClient>;
