/**
 * The only file calling DocuSign: the JWT-grant token endpoint, envelopes and the account,
 * through createProviderHttp with a cached Bearer token (re-minted once when a call answers
 * 401).
 *
 * Creating an envelope is not idempotent at DocuSign. The reference's way round it: the
 * outbox key rides in a hidden text custom field, and every send first lists envelopes by
 * that field; one found is the answer, so a send repeated after a lost answer or a 5xx
 * never makes a second envelope. The create itself is therefore never repeated inside one
 * call (the listing may lag a moment behind a create); the outbox repeats it later.
 */
import type { KeyObject } from 'node:crypto';
import type { SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorLog } from '../context.js';
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import {
  envelopeList,
  envelopeSummary,
  FIELD,
  customFieldsOf,
  JWT_GRANT,
  JWT_SCOPE,
  lookupFromDate,
  PATHS,
  providerErrorOf,
  rateLimitWaitMs,
  tokenAnswer,
  type EnvelopeDefinition,
  type EnvelopeSummary,
} from './map.js';
import { createTokenCache, signAssertion, TokenRefused } from './tokens.js';

export interface DocuSignClientOptions {
  /** `https://{server}.docusign.net/restapi`. */
  baseUrl: string;
  /** `https://account.docusign.com` or `https://account-d.docusign.com` (or a fake). */
  authUrl: string;
  accountId: string;
  integrationKey: string;
  userId: string;
  privateKey: KeyObject;
  now: () => number;
  log: ConnectorLog;
  maxRetryWaitMs?: number;
}

export type DocuSignClient = ReturnType<typeof createDocuSignClient>;

/** Listed envelopes without their custom fields are read one by one, at most this many. */
const MAX_READS = 5;

export function createDocuSignClient(o: DocuSignClientOptions) {
  const authUrl = o.authUrl.replace(/\/+$/, '');
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-docusign/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    rateLimitWaitMs: (headers) => rateLimitWaitMs(headers, o.now()),
  });

  const tokens = createTokenCache({
    now: o.now,
    async exchange() {
      const assertion = signAssertion(o.privateKey, {
        integrationKey: o.integrationKey,
        userId: o.userId,
        audience: new URL(authUrl).host,
        nowMs: o.now(),
      });
      const res = await http.request({
        method: 'POST',
        path: `${authUrl}${PATHS.token}`,
        form: { grant_type: JWT_GRANT, assertion },
        // A repeated grant only mints another token.
        idempotent: true,
      });
      if (res.status !== 200) {
        const error = providerErrorOf(res.json) ?? {
          code: String(res.status),
          message: `HTTP ${res.status}`,
        };
        if (error.code === 'consent_required')
          o.log.warn(
            {
              connector: 'docusign',
              consentUrl: `${authUrl}/oauth/auth?response_type=code&scope=${encodeURIComponent(JWT_SCOPE)}&client_id=${encodeURIComponent(o.integrationKey)}&redirect_uri=<a redirect URI of the app>`,
            },
            'DocuSign needs the impersonated user’s one-time consent: open the consent URL as that user',
          );
        throw new TokenRefused(res, error);
      }
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
    // A revoked or early-expired token: DocuSign did not act, so one retry is safe.
    tokens.invalidate(token);
    return http.request({ ...req, headers: bearer(await tokens.accessToken()) });
  }

  /** Retrying is safe throughout: nothing is created twice (see the file comment). */
  function outcomeOf(res: ProviderResponse): SendOutcome {
    if (res.status === 429 && res.retryAfterMs === null) {
      const wait = rateLimitWaitMs(res.headers, o.now());
      const err = providerErrorOf(res.json);
      if (wait !== null)
        return {
          tag: 'retry_after',
          at: new Date(o.now() + wait).toISOString(),
          reason: err ? `${err.code} ${err.message}` : 'HTTP 429',
        };
    }
    return outcomeOfResponse(res, {
      idempotent: true,
      now: o.now(),
      externalId: (r) => envelopeSummary.safeParse(r.json).data?.envelopeId,
      errorOf: (r) => providerErrorOf(r.json),
    });
  }

  function outcomeOfFailure(error: unknown): SendOutcome {
    if (error instanceof TokenRefused) {
      if (error.response.status === 429 || error.response.status >= 500)
        return outcomeOf(error.response);
      return {
        tag: 'retryable',
        reason: `credentials refused: ${error.error.code} ${error.error.message}`,
      };
    }
    return outcomeOfError(error, true);
  }

  async function readEnvelope(envelopeId: string, signal?: AbortSignal): Promise<EnvelopeSummary> {
    const res = await call({
      method: 'GET',
      path: PATHS.envelope(o.accountId, envelopeId),
      query: { include: 'custom_fields' },
      idempotent: true,
      signal,
    });
    const parsed = envelopeSummary.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) {
      const err = providerErrorOf(res.json);
      throw new Error(`GET envelope answered ${res.status}${err ? ` ${err.code}` : ''}`);
    }
    return parsed.data;
  }

  /**
   * The envelope already made for this outbox key, null when there is none, or the outcome
   * of a failed lookup. The custom-field filter is a search: an envelope only counts once
   * its own field is seen to carry the key (read from DocuSign when the listing leaves the
   * fields out), so a filter DocuSign ignored can never stand in for our envelope.
   */
  async function envelopeFor(
    outboxKey: string,
    createdAt: string,
    signal?: AbortSignal,
  ): Promise<string | null | SendOutcome> {
    const res = await call({
      method: 'GET',
      path: PATHS.envelopes(o.accountId),
      query: {
        from_date: lookupFromDate(createdAt),
        custom_field: `${FIELD.outboxKey}=${outboxKey}`,
        include: 'custom_fields',
      },
      idempotent: true,
      signal,
    });
    if (res.status !== 200) return outcomeOf(res);
    const list = envelopeList.safeParse(res.json);
    if (!list.success) return { tag: 'retryable', reason: 'the envelope listing did not parse' };
    const carries = (e: Pick<EnvelopeSummary, 'customFields'>) =>
      customFieldsOf(e).get(FIELD.outboxKey) === outboxKey;
    const envelopes = list.data.envelopes ?? [];
    const listed = envelopes.find((e) => e.customFields !== undefined && carries(e));
    if (listed) return listed.envelopeId;
    for (const e of envelopes.filter((x) => x.customFields === undefined).slice(0, MAX_READS))
      if (carries(await readEnvelope(e.envelopeId, signal))) return e.envelopeId;
    return null;
  }

  return {
    /** The envelope for this outbox key: the one already made, else a new one. */
    async sendEnvelope(
      definition: EnvelopeDefinition,
      outboxKey: string,
      createdAt: string,
      signal?: AbortSignal,
    ): Promise<SendOutcome> {
      try {
        const found = await envelopeFor(outboxKey, createdAt, signal);
        if (typeof found === 'string') {
          o.log.info(
            { connector: 'docusign', envelopeId: found },
            'envelope already sent for this outbox key; not sending another',
          );
          return { tag: 'accepted', externalId: found };
        }
        if (found !== null) return found;
        return outcomeOf(
          await call({
            method: 'POST',
            path: PATHS.envelopes(o.accountId),
            json: definition,
            signal,
          }),
        );
      } catch (error) {
        return outcomeOfFailure(error);
      }
    },

    /** The envelope with its custom fields; throws when DocuSign does not give it. */
    envelope: readEnvelope,

    account: (signal?: AbortSignal) =>
      call({ method: 'GET', path: PATHS.account(o.accountId), idempotent: true, signal }),
  };
}

export { TokenRefused };
