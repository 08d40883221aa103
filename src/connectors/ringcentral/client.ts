/**
 * The only file calling RingCentral: the token endpoint, SMS, RingOut, the message store
 * and webhook subscriptions, all through createProviderHttp with a Bearer token that is
 * cached, renewed before expiry, and renewed once more when a call answers 401.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import {
  basicAuth,
  createProviderHttp,
  type ProviderRequest,
  type ProviderResponse,
} from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  createdIdOf,
  messageList,
  PATHS,
  providerErrorOf,
  tokenAnswer,
  type MessageRecord,
  type RingOutRequest,
  type SmsRequest,
  type SubscriptionRequest,
} from './map.js';
import { createTokenCache, TokenRefused } from './tokens.js';

export interface RingCentralClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  jwt: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

/** Without Retry-After RingCentral says wait at least 30 s: a retry inside the penalty restarts it. */
const MIN_RATE_LIMIT_WAIT_MS = 30_000;

export type RingCentralClient = ReturnType<typeof createRingCentralClient>;

export function createRingCentralClient(o: RingCentralClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-ringcentral/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    // Without Retry-After a quick retry restarts RingCentral's penalty window: wait it out.
    rateLimitWaitMs: (headers) => {
      const window = Number(headers.get('x-rate-limit-window') ?? '') * 1000;
      return Math.max(MIN_RATE_LIMIT_WAIT_MS, Number.isFinite(window) ? window : 0);
    },
  });

  const tokens = createTokenCache({
    jwt: o.jwt,
    now: o.now,
    async exchange(form) {
      const res = await http.request({
        method: 'POST',
        path: PATHS.token,
        form,
        headers: { authorization: basicAuth(o.clientId, o.clientSecret) },
        // A repeated grant at worst opens one more session; a spent refresh token falls back to the JWT.
        idempotent: true,
      });
      if (res.status !== 200)
        throw new TokenRefused(
          res,
          providerErrorOf(res.json) ?? { code: String(res.status), message: `HTTP ${res.status}` },
        );
      const parsed = tokenAnswer.safeParse(res.json);
      if (!parsed.success)
        throw new TokenRefused(res, {
          code: 'bad_token_answer',
          message: 'the token answer has no access_token / expires_in',
        });
      return parsed.data;
    },
  });

  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const bearer = (token: string) => ({ ...req.headers, authorization: `Bearer ${token}` });
    const token = await tokens.accessToken();
    const res = await http.request({ ...req, headers: bearer(token) });
    if (res.status !== 401) return res;
    // Expired early or revoked (OAU-128 …): RingCentral did not act, so one retry is safe.
    tokens.invalidate(token);
    return http.request({ ...req, headers: bearer(await tokens.accessToken()) });
  }

  function outcomeOf(res: ProviderResponse): SendOutcome {
    if (res.status === 429 && res.retryAfterMs === null) {
      const window = Number(res.headers.get('x-rate-limit-window') ?? '') * 1000;
      const wait = Math.max(MIN_RATE_LIMIT_WAIT_MS, Number.isFinite(window) ? window : 0);
      const err = providerErrorOf(res.json);
      return {
        tag: 'retry_after',
        at: new Date(o.now() + wait).toISOString(),
        reason: err ? `${err.code} ${err.message}` : 'HTTP 429',
      };
    }
    return outcomeOfResponse(res, {
      idempotent: false,
      now: o.now(),
      externalId: (r) => createdIdOf(r.json),
      errorOf: (r) => providerErrorOf(r.json),
      // RingCentral asks clients to retry 5xx with backoff (basics/errors.md).
      serverErrorsAreRetryable: true,
    });
  }

  function outcomeOfTokenRefusal(e: TokenRefused): SendOutcome {
    if (e.response.status === 429 || e.response.status >= 500) return outcomeOf(e.response);
    return { tag: 'retryable', reason: `credentials refused: ${e.error.code} ${e.error.message}` };
  }

  async function create(path: string, json: unknown, signal?: AbortSignal): Promise<SendOutcome> {
    try {
      return outcomeOf(await call({ method: 'POST', path, json, retryServerErrors: true, signal }));
    } catch (error) {
      if (error instanceof TokenRefused) return outcomeOfTokenRefusal(error);
      return outcomeOfError(error, false);
    }
  }

  return {
    sendSms: (body: SmsRequest, signal?: AbortSignal) => create(PATHS.sms, body, signal),

    placeRingOut: (body: RingOutRequest, signal?: AbortSignal) =>
      create(PATHS.ringOut, body, signal),

    /** Outbound SMS created since `dateFrom` (newest first, one page of 100). */
    async outboundSmsSince(dateFrom: string, signal?: AbortSignal): Promise<MessageRecord[]> {
      const res = await call({
        method: 'GET',
        path: PATHS.messageStore,
        query: { messageType: 'SMS', direction: 'Outbound', dateFrom, perPage: 100 },
        idempotent: true,
        signal,
      });
      if (res.status !== 200) {
        const err = providerErrorOf(res.json);
        throw new Error(`message-store answered ${res.status}${err ? ` ${err.code}` : ''}`);
      }
      const parsed = messageList.safeParse(res.json);
      if (!parsed.success) throw new Error('message-store answer has no records list');
      return parsed.data.records;
    },

    /** Not repeated on a lost answer: a second subscription would deliver every event twice. */
    createSubscription: (body: SubscriptionRequest, signal?: AbortSignal) =>
      call({ method: 'POST', path: PATHS.subscription, json: body, signal }),

    renewSubscription: (subscriptionId: string, signal?: AbortSignal) =>
      call({
        method: 'POST',
        path: `${PATHS.subscription}/${encodeURIComponent(subscriptionId)}/renew`,
        idempotent: true,
        signal,
      }),

    extension: (signal?: AbortSignal) =>
      call({ method: 'GET', path: PATHS.extension, idempotent: true, signal }),
  };
}

export { TokenRefused };
