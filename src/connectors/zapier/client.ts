/**
 * Posts public events to Zapier target URLs (the only file of this connector that calls the
 * network). A 429 is retried inside the call after its Retry-After when that is short; a
 * longer one comes back as `retry` with its instant, and the subscription waits for it.
 */
import type { HookDelivery, PublicEvent } from '../../app/publish-events.js';
import { createProviderHttp, ProviderHttpError } from '../http.js';
import { deliveryResultOf, eventHeaders } from './map.js';

export interface ZapierClientOptions {
  /** The hook host (`https://hooks.zapier.com`, or the fake's URL); `ping` calls it. */
  baseUrl: string;
  now: () => number;
  maxRetryWaitMs?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
}

export interface ZapierClient extends HookDelivery {
  ping(signal?: AbortSignal): Promise<{ status: number }>;
}

/**
 * Why a POST got no answer, without the target URL: its path is the Zap's credential, and
 * the reason ends up in logs.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof ProviderHttpError)) return 'the request could not be made';
  const why = error.message.slice(error.message.indexOf(': ') + 2);
  return error.kind === 'not_sent' ? `not sent: ${why}` : `answer lost: ${why}`;
}

export function createZapierClient(options: ZapierClientOptions): ZapierClient {
  const http = createProviderHttp({
    baseUrl: options.baseUrl,
    userAgent: 'arrears-rest-hooks/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
    baseDelayMs: options.baseDelayMs,
    timeoutMs: options.timeoutMs,
  });
  return {
    async deliver(targetUrl: string, event: PublicEvent, signal?: AbortSignal) {
      try {
        const res = await http.request({
          method: 'POST',
          path: targetUrl,
          json: event,
          headers: eventHeaders(event),
          // The event id is stable: a repeat is recognisable, and Zapier asks for retries.
          idempotent: true,
          signal,
        });
        return deliveryResultOf(res, options.now());
      } catch (error) {
        return { tag: 'retry', reason: reasonOf(error) };
      }
    },
    async ping(signal?: AbortSignal) {
      const res = await http.request({ method: 'GET', path: '/', idempotent: true, signal });
      return { status: res.status };
    },
  };
}
