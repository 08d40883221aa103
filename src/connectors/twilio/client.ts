/**
 * Twilio's REST API (reference section 1): create a message, place a call, fetch the account.
 * Twilio takes no idempotency key, so a create is never repeated after a lost answer; 429
 * (20429) and 5xx are, because Twilio documents them as not processed.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import type { HealthResult } from '../contract.js';
import { basicAuth, createProviderHttp, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { accountPath, twilioErrorOf } from './map.js';

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
  baseDelayMs?: number;
}

function sidOf(res: ProviderResponse): string | undefined {
  const sid = (res.json as { sid?: unknown } | undefined)?.sid;
  return typeof sid === 'string' ? sid : undefined;
}

export function createTwilioClient(options: TwilioClientOptions) {
  const http = createProviderHttp({
    baseUrl: options.baseUrl,
    auth: () => ({ authorization: basicAuth(options.accountSid, options.authToken) }),
    userAgent: 'arrears-twilio/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
    baseDelayMs: options.baseDelayMs,
  });
  const account = accountPath(options.accountSid);

  async function create(
    resource: 'Messages' | 'Calls',
    form: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<SendOutcome> {
    try {
      const res = await http.request({
        method: 'POST',
        path: `${account}/${resource}.json`,
        form,
        retryServerErrors: true,
        signal,
      });
      return outcomeOfResponse(res, {
        idempotent: false,
        serverErrorsAreRetryable: true,
        now: options.now(),
        externalId: sidOf,
        errorOf: (r) => twilioErrorOf(r.json),
      });
    } catch (error) {
      return outcomeOfError(error, false);
    }
  }

  return {
    sendMessage: (form: Record<string, string>, signal?: AbortSignal) =>
      create('Messages', form, signal),
    placeCall: (form: Record<string, string>, signal?: AbortSignal) =>
      create('Calls', form, signal),

    async verify(signal?: AbortSignal): Promise<HealthResult> {
      const started = Date.now();
      const what = `GET ${account}.json`;
      try {
        const res = await http.request({
          method: 'GET',
          path: `${account}.json`,
          idempotent: true,
          signal,
        });
        const latencyMs = Date.now() - started;
        if (res.status === 200) {
          const status = (res.json as { status?: unknown } | undefined)?.status;
          return {
            ok: true,
            detail: `${what} answered 200 (account ${typeof status === 'string' ? status : 'found'})`,
            latencyMs,
          };
        }
        const err = twilioErrorOf(res.json);
        return {
          ok: false,
          detail: `${what} answered ${res.status}${err ? ` (${err.code} ${err.message})` : ''}`,
          latencyMs,
        };
      } catch (error) {
        return { ok: false, detail: `${what}: ${(error as Error).message}` };
      }
    },
  };
}

export type TwilioClient = ReturnType<typeof createTwilioClient>;
