/**
 * Lob's letters API (the only file here that calls the network) and the print-and-mail
 * provider the document sender mails notices through. A letter is `POST /v1/letters` as
 * multipart/form-data: the address and option fields in Lob's `to[address_line1]` form,
 * and our rendered PDF as `file`. The outbox key is the `Idempotency-Key`, so a repeat
 * (a lost answer, a 5xx, a retry of the item) returns the letter already created.
 */
import type { PrintMailProvider, PrintMailRequest } from '../../outbox/document-sender.js';
import type { ConnectorLog } from '../context.js';
import {
  basicAuth,
  createProviderHttp,
  type ProviderHttp,
  type ProviderResponse,
} from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  answerOfLetter,
  extraServiceOf,
  idempotencyKeyOf,
  letterFieldsOf,
  lobAddressOf,
  lobErrorOf,
  type LetterOptions,
  type LobLetter,
} from './map.js';

export interface LobClientOptions {
  apiKey: string;
  baseUrl: string;
  now: () => number;
  /** `Lob-Version`, when pinned. */
  lobVersion?: string;
  maxRetryWaitMs?: number;
  baseDelayMs?: number;
}

export interface LobClient {
  createLetter(
    fields: [string, string][],
    pdf: Uint8Array,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<ProviderResponse>;
  getLetter(id: string, signal?: AbortSignal): Promise<ProviderResponse>;
  listLetters(limit: number, signal?: AbortSignal): Promise<ProviderResponse>;
}

export function createLobClient(options: LobClientOptions): LobClient {
  const authorization = basicAuth(options.apiKey, '');
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    auth: () => ({ authorization }),
    userAgent: 'arrears-postal/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
    baseDelayMs: options.baseDelayMs,
    // A PDF upload is larger than a message: give it time.
    timeoutMs: 60_000,
  });
  const version: Record<string, string> = options.lobVersion
    ? { 'Lob-Version': options.lobVersion }
    : {};
  return {
    createLetter(fields, pdf, idempotencyKey, signal) {
      const form = new FormData();
      for (const [name, value] of fields) form.append(name, value);
      form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'notice.pdf');
      return http.request({
        method: 'POST',
        path: '/v1/letters',
        body: form,
        headers: { ...version, 'Idempotency-Key': idempotencyKey },
        idempotent: true,
        signal,
      });
    },
    getLetter(id, signal) {
      return http.request({
        method: 'GET',
        path: `/v1/letters/${encodeURIComponent(id)}`,
        headers: version,
        idempotent: true,
        signal,
      });
    },
    listLetters(limit, signal) {
      return http.request({
        method: 'GET',
        path: '/v1/letters',
        query: { limit },
        headers: version,
        idempotent: true,
        signal,
      });
    },
  };
}

export interface LobPrintMailOptions extends LetterOptions {
  now: () => number;
  log: ConnectorLog;
}

const rejected = (code: string, reason: string) => ({ tag: 'rejected' as const, code, reason });

/**
 * Mails a rendered notice as a Lob letter. Idempotent (Lob dedupes the key for 24 hours,
 * longer than the outbox's retries last), so a lost answer is retried, not left `unknown`.
 */
export function createLobPrintMail(
  client: LobClient,
  options: LobPrintMailOptions,
): PrintMailProvider {
  return {
    id: 'postal',
    idempotent: true,
    async mail(request: PrintMailRequest, signal) {
      if (extraServiceOf(request.method) === undefined)
        return rejected(
          'method_not_offered',
          'Lob offers no certificate of mailing (USPS PS Form 3817): deliver this notice by first_class or certified_mail in the policy, or mail it another way',
        );
      const to = lobAddressOf(request.to);
      if (!to.ok)
        return rejected(
          'bad_address',
          `the tenant's mailing address cannot be mailed: ${to.problem}. Correct the tenant's address on the lease of delivery ${request.idempotencyKey}, then queue the notice again`,
        );
      const from = lobAddressOf(request.from);
      if (!from.ok)
        return rejected(
          'bad_return_address',
          `the property's address (the letter's return address) cannot be mailed: ${from.problem}. Correct the property's address, then queue the notice again`,
        );

      const fields = letterFieldsOf(request, to.address, from.address, options);
      let res: ProviderResponse;
      try {
        res = await client.createLetter(
          fields,
          request.document.bytes,
          idempotencyKeyOf(request.idempotencyKey),
          signal,
        );
      } catch (error) {
        const outcome = outcomeOfError(error, true);
        return outcome.tag === 'accepted' ? { tag: 'unknown', reason: 'no answer' } : outcome;
      }
      const letter = res.json as LobLetter | undefined;
      if (res.status >= 200 && res.status < 300 && typeof letter?.id === 'string' && letter.id) {
        const answer = answerOfLetter({ ...letter, id: letter.id }, request);
        options.log.info(
          {
            letterId: letter.id,
            method: request.method,
            carrier: letter.carrier ?? null,
            expectedDeliveryDate: letter.expected_delivery_date ?? null,
            attempts: res.attempts,
            outcome: answer.tag,
          },
          'Lob letter created',
        );
        return answer;
      }
      if (res.status === 409)
        // Another request with the same key is still being processed: ask again later.
        return { tag: 'retryable', reason: `409 ${lobErrorOf(res.json)?.message ?? 'conflict'}` };
      const outcome = outcomeOfResponse(res, {
        idempotent: true,
        now: options.now(),
        externalId: () => undefined,
        errorOf: (r) => lobErrorOf(r.json),
      });
      return outcome.tag === 'accepted'
        ? { tag: 'retryable', reason: `HTTP ${res.status} without a letter id` }
        : outcome;
    },
  };
}
