/**
 * The only file calling Acrobat Sign: the refresh endpoint, transient documents, agreements
 * and base URIs, through createProviderHttp with a cached Bearer token (refreshed once more
 * when a call answers 401).
 *
 * Creating an agreement is not idempotent at Acrobat Sign. Each agreement carries an
 * externalId naming the outbox key, and every send first lists agreements by it; one found
 * is the answer, so a send repeated after a lost answer or a 5xx never makes a second
 * agreement. The create itself is never repeated inside one call (the listing may lag a
 * moment behind it); the outbox repeats it later. An uploaded transient document that is
 * never used expires by itself after 7 days, so the upload is repeated freely.
 */
import type { SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorLog } from '../context.js';
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  agreementInfo,
  agreementList,
  agreementRequestOf,
  bodyRetryAfterMs,
  created,
  PATHS,
  providerErrorOf,
  tokenAnswer,
  transientCreated,
  type AgreementInfo,
} from './map.js';
import { createTokenCache, TokenRefused } from './tokens.js';

export interface AdobeSignClientOptions {
  /** The account's apiAccessPoint (`https://api.na1.adobesign.com`). */
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now: () => number;
  log: ConnectorLog;
  maxRetryWaitMs?: number;
}

export interface AgreementToSend {
  pdf: { bytes: Uint8Array };
  fileName: string;
  name: string;
  signerEmail: string;
  externalId: string;
  message: string;
}

export type AdobeSignClient = ReturnType<typeof createAdobeSignClient>;

/** Listed agreements without their externalId are read one by one, at most this many. */
const MAX_READS = 5;

export function createAdobeSignClient(o: AdobeSignClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-adobesign/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
  });

  const tokens = createTokenCache({
    refreshToken: o.refreshToken,
    now: o.now,
    log: o.log,
    async exchange(refreshToken) {
      const res = await http.request({
        method: 'POST',
        path: o.tokenUrl,
        form: {
          grant_type: 'refresh_token',
          client_id: o.clientId,
          client_secret: o.clientSecret,
          refresh_token: refreshToken,
        },
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
    // INVALID_ACCESS_TOKEN: an expired or revoked token; Acrobat Sign did not act.
    tokens.invalidate(token);
    return http.request({ ...req, headers: bearer(await tokens.accessToken()) });
  }

  /** Retrying is safe throughout: nothing is created twice (see the file comment). */
  function outcomeOf(
    res: ProviderResponse,
    idOf: (json: unknown) => string | undefined,
  ): SendOutcome {
    const bodyWait =
      res.status === 429 && res.retryAfterMs === null ? bodyRetryAfterMs(res.json) : null;
    if (bodyWait !== null) {
      const err = providerErrorOf(res.json);
      return {
        tag: 'retry_after',
        at: new Date(o.now() + bodyWait).toISOString(),
        reason: err ? `${err.code} ${err.message}` : 'HTTP 429',
      };
    }
    return outcomeOfResponse(res, {
      idempotent: true,
      now: o.now(),
      externalId: (r) => idOf(r.json),
      errorOf: (r) => providerErrorOf(r.json),
    });
  }

  function outcomeOfFailure(error: unknown): SendOutcome {
    if (error instanceof TokenRefused) {
      if (error.response.status === 429 || error.response.status >= 500)
        return outcomeOf(error.response, () => undefined);
      return {
        tag: 'retryable',
        reason: `credentials refused: ${error.error.code} ${error.error.message}`,
      };
    }
    return outcomeOfError(error, true);
  }

  async function readAgreement(
    agreementId: string,
    signal?: AbortSignal,
  ): Promise<AgreementInfo | null> {
    const res = await call({
      method: 'GET',
      path: PATHS.agreement(agreementId),
      idempotent: true,
      signal,
    });
    if (res.status === 404) return null;
    const parsed = agreementInfo.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) {
      const err = providerErrorOf(res.json);
      throw new Error(`GET agreement answered ${res.status}${err ? ` ${err.code}` : ''}`);
    }
    return parsed.data;
  }

  /**
   * The agreement already made for this externalId, null when there is none, or the
   * outcome of a failed lookup. A listed agreement only counts once its own externalId is
   * seen to match (read from Acrobat Sign when the listing leaves it out), so a filter the
   * API ignored can never stand in for our agreement.
   */
  async function existing(
    externalId: string,
    signal?: AbortSignal,
  ): Promise<string | null | SendOutcome> {
    const res = await call({
      method: 'GET',
      path: PATHS.agreements,
      query: { externalId },
      idempotent: true,
      signal,
    });
    if (res.status !== 200) return outcomeOf(res, () => undefined);
    const list = agreementList.safeParse(res.json);
    if (!list.success) return { tag: 'retryable', reason: 'the agreement listing did not parse' };
    const agreements = list.data.userAgreementList;
    const listed = agreements.find((a) => a.externalId?.id === externalId);
    if (listed) return listed.id;
    for (const a of agreements.filter((x) => x.externalId === undefined).slice(0, MAX_READS))
      if ((await readAgreement(a.id, signal))?.externalId?.id === externalId) return a.id;
    return null;
  }

  return {
    /** The agreement for this externalId: the one already made, else a new one. */
    async sendAgreement(a: AgreementToSend, signal?: AbortSignal): Promise<SendOutcome> {
      try {
        const found = await existing(a.externalId, signal);
        if (typeof found === 'string') {
          o.log.info(
            { connector: 'adobesign', agreementId: found },
            'agreement already sent for this outbox key; not sending another',
          );
          return { tag: 'accepted', externalId: found };
        }
        if (found !== null) return found;

        const form = new FormData();
        form.append('File-Name', a.fileName);
        form.append('Mime-Type', 'application/pdf');
        form.append('File', new Blob([a.pdf.bytes], { type: 'application/pdf' }), a.fileName);
        const upload = await call({
          method: 'POST',
          path: PATHS.transientDocuments,
          body: form,
          idempotent: true,
          signal,
        });
        const transient = transientCreated.safeParse(upload.json);
        if (upload.status !== 201 || !transient.success)
          return outcomeOf(
            upload,
            (json) => transientCreated.safeParse(json).data?.transientDocumentId,
          );

        const res = await call({
          method: 'POST',
          path: PATHS.agreements,
          json: agreementRequestOf({
            transientDocumentId: transient.data.transientDocumentId,
            name: a.name,
            signerEmail: a.signerEmail,
            externalId: a.externalId,
            message: a.message,
          }),
          signal,
        });
        return outcomeOf(res, (json) => created.safeParse(json).data?.id);
      } catch (error) {
        return outcomeOfFailure(error);
      }
    },

    /** The agreement as Acrobat Sign has it now (null: no such agreement); throws when it does not answer. */
    agreement: readAgreement,

    baseUris: (signal?: AbortSignal) =>
      call({ method: 'GET', path: PATHS.baseUris, idempotent: true, signal }),
  };
}

export { TokenRefused };
