/**
 * A local DocuSign (eSignature REST v2.1, JWT Grant, Connect) built from the reference
 * (connectors-systems.md section 8, section 20), for contract tests and the demo:
 *
 *   POST /oauth/token                         JWT grant: the RS256 assertion is verified with
 *                                             the Integration Key's public key (iss, sub, aud,
 *                                             exp, scope); `{error, error_description}` on refusal
 *   GET  /restapi/v2.1/accounts/{id}          the account
 *   POST /restapi/v2.1/accounts/{id}/envelopes          creates an envelope from documents;
 *                                             refuses an incomplete one with `{errorCode, message}`
 *   GET  /restapi/v2.1/accounts/{id}/envelopes          lists by from_date (required), status,
 *                                             custom_field=name=value; include=custom_fields
 *   GET  /restapi/v2.1/accounts/{id}/envelopes/{eid}    one envelope
 *
 * Every API call needs a Bearer token it issued (401 USER_AUTHENTICATION_FAILED otherwise).
 * The PDF bytes of each envelope are kept (with their sha256) for tests to check. Connect
 * deliveries (JSON SIM) are signed with X-DocuSign-Signature-1…N, one per Connect key, and
 * can be sent one by one or as a sequence over time. failNext/stallNext from startFake.
 */
import { createHash, createPublicKey, createVerify, randomUUID, type KeyObject } from 'node:crypto';
import { postCallback, startFake, type FakeReply, type FakeServer } from '../fake/fake-http.js';
import { JWT_GRANT } from './map.js';
import { connectSignature } from './webhooks.js';

export interface FakeDocument {
  documentId: string;
  name: string;
  fileExtension: string | undefined;
  bytes: Buffer;
  sha256: string;
}

export interface FakeEnvelope {
  envelopeId: string;
  status: string;
  emailSubject: string;
  documents: FakeDocument[];
  signers: Record<string, unknown>[];
  textCustomFields: { name: string; value: string; show?: string }[];
  /** The request body as received (documentBase64 included). */
  definition: Record<string, unknown>;
  createdDateTime: string;
  statusChangedDateTime: string;
  completedDateTime?: string;
}

export interface DocuSignFakeOptions {
  integrationKey: string;
  userId: string;
  accountId: string;
  /** The public half of the Integration Key's RSA keypair (PEM or KeyObject). */
  publicKey: string | KeyObject;
  /** Active Connect HMAC keys: one X-DocuSign-Signature-N header each. */
  connectKeys?: string[];
  /** Lifetime of issued access tokens (default 3600 s). */
  tokenSeconds?: number;
}

export interface ConnectOptions {
  /** Include `envelopeSummary` (with custom fields) in `data` (default true). */
  includeSummary?: boolean;
  /** Sign with these keys instead of the configured ones. */
  keys?: string[];
  generatedDateTime?: string;
  retryCount?: number;
}

export interface DocuSignFake extends FakeServer {
  envelopes: Map<string, FakeEnvelope>;
  /** Issued access tokens (token → expiry, epoch ms). */
  tokens: Map<string, number>;
  /** False: the user has not granted consent yet (token requests answer consent_required). */
  consentGiven: boolean;
  revokeTokens(): void;
  /**
   * The next `times` envelope creates answer `status`: `before` nothing is created, `after`
   * the envelope is created and the answer is lost (a 5xx after the work was done).
   */
  failCreates(times: number, status: number, when: 'before' | 'after'): void;
  setStatus(envelopeId: string, status: string): FakeEnvelope;
  /** A Connect delivery as DocuSign would post it: the exact body and its headers. */
  connectDelivery(
    envelopeId: string,
    event: string,
    options?: ConnectOptions,
  ): { body: string; headers: Record<string, string> };
  /** Moves the envelope to the event's status and posts the signed delivery to `url`. */
  sendConnect(
    url: string,
    envelopeId: string,
    event: string,
    options?: ConnectOptions,
  ): Promise<{ status: number; text: string }>;
  /** Status changes over time: one delivery every `intervalMs`, in order. */
  sendConnectSequence(
    url: string,
    envelopeId: string,
    events: string[],
    intervalMs: number,
  ): Promise<{ event: string; status: number; text: string }[]>;
}

const b64urlJson = (part: string | undefined): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** DocuSign writes instants with seven fractional digits (`…:40.8070000Z`). */
const docusignTime = (ms = Date.now()) => new Date(ms).toISOString().replace(/Z$/, '0000Z');

export async function startDocuSignFake(o: DocuSignFakeOptions): Promise<DocuSignFake> {
  const publicKey = typeof o.publicKey === 'string' ? createPublicKey(o.publicKey) : o.publicKey;
  const envelopes = new Map<string, FakeEnvelope>();
  const tokens = new Map<string, number>();
  const apiPrefix = `/restapi/v2.1/accounts/${o.accountId}`;
  // eslint-disable-next-line prefer-const -- the handler reads it once it is assigned
  let fake: DocuSignFake;

  const error = (reply: FakeReply, status: number, errorCode: string, message: string) =>
    reply.json(status, { errorCode, message });
  const oauthError = (reply: FakeReply, status: number, code: string, description?: string) =>
    reply.json(status, { error: code, ...(description ? { error_description: description } : {}) });

  function token(form: Record<string, string>, host: string, reply: FakeReply) {
    if (form.grant_type !== JWT_GRANT) return oauthError(reply, 400, 'unsupported_grant_type');
    const [h, p, s] = (form.assertion ?? '').split('.');
    const header = b64urlJson(h);
    const claims = b64urlJson(p);
    if (!header || !claims || !s || header.alg !== 'RS256')
      return oauthError(reply, 400, 'invalid_request', 'assertion is not an RS256 JWT');
    const valid = createVerify('RSA-SHA256')
      .update(`${h}.${p}`)
      .verify(publicKey, Buffer.from(s, 'base64url'));
    if (claims.iss !== o.integrationKey)
      return oauthError(reply, 400, 'invalid_grant', 'issuer_not_found');
    if (!valid) return oauthError(reply, 400, 'invalid_grant', 'no_valid_keys_or_signatures');
    if (claims.sub !== o.userId) return oauthError(reply, 400, 'invalid_grant', 'user_not_found');
    if (claims.aud !== host) return oauthError(reply, 400, 'invalid_grant', 'audience_mismatch');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now())
      return oauthError(reply, 400, 'invalid_grant', 'expired');
    const scopes = String(claims.scope ?? '').split(' ');
    if (!scopes.includes('signature') || !scopes.includes('impersonation'))
      return oauthError(reply, 400, 'invalid_scope');
    if (!fake.consentGiven) return oauthError(reply, 400, 'consent_required');
    const access = `ds-at-${randomUUID()}`;
    const seconds = o.tokenSeconds ?? 3600;
    tokens.set(access, Date.now() + seconds * 1000);
    reply.json(200, { access_token: access, token_type: 'Bearer', expires_in: seconds });
  }

  function summaryOf(e: FakeEnvelope, withFields: boolean) {
    return {
      envelopeId: e.envelopeId,
      status: e.status,
      emailSubject: e.emailSubject,
      createdDateTime: e.createdDateTime,
      statusChangedDateTime: e.statusChangedDateTime,
      ...(e.completedDateTime ? { completedDateTime: e.completedDateTime } : {}),
      uri: `/envelopes/${e.envelopeId}`,
      ...(withFields ? { customFields: { textCustomFields: e.textCustomFields } } : {}),
    };
  }

  /** The refusal of an incomplete envelope, as DocuSign words it; undefined when complete. */
  function problemOf(body: Record<string, unknown>): [string, string] | undefined {
    const incomplete: [string, string] = [
      'ENVELOPE_IS_INCOMPLETE',
      'The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.',
    ];
    if (body.status !== 'sent' && body.status !== 'created')
      return ['INVALID_REQUEST_PARAMETER', 'status must be "sent" or "created".'];
    const sent = body.status === 'sent';
    const docs = body.documents;
    if (!Array.isArray(docs) || docs.length === 0) return sent ? incomplete : undefined;
    for (const d of docs as Record<string, unknown>[]) {
      if (
        typeof d.documentId !== 'string' ||
        typeof d.name !== 'string' ||
        typeof d.documentBase64 !== 'string'
      )
        return incomplete;
      if (
        d.fileExtension === 'pdf' &&
        !Buffer.from(d.documentBase64, 'base64').subarray(0, 5).equals(Buffer.from('%PDF-'))
      )
        return ['FORMAT_CONVERSION_ERROR', 'The data could not be converted.'];
    }
    const signers = (body.recipients as { signers?: unknown } | undefined)?.signers;
    if (!Array.isArray(signers) || signers.length === 0) return sent ? incomplete : undefined;
    for (const s of signers as Record<string, unknown>[]) {
      if (typeof s.email !== 'string' || !EMAIL.test(s.email))
        return [
          'INVALID_EMAIL_ADDRESS_FOR_RECIPIENT',
          'The email address for the recipient is invalid. The recipient Id follows.',
        ];
      if (typeof s.name !== 'string' || s.name.trim() === '')
        return [
          'INVALID_USERNAME_FOR_RECIPIENT',
          'The user name for the recipient is invalid. The recipient Id follows.',
        ];
      if (typeof s.recipientId !== 'string' || s.recipientId === '')
        return ['INVALID_RECIPIENT_ID', 'A recipient ID is missing or invalid.'];
    }
    if (sent && (typeof body.emailSubject !== 'string' || body.emailSubject.trim() === ''))
      return incomplete;
    return undefined;
  }

  const createFaults: { status: number; when: 'before' | 'after' }[] = [];

  function create(body: unknown, reply: FakeReply) {
    const fault = createFaults.shift();
    if (fault?.when === 'before')
      return error(reply, fault.status, 'UNSPECIFIED_ERROR', 'An unexpected error occurred.');
    if (!body || typeof body !== 'object')
      return error(
        reply,
        400,
        'INVALID_REQUEST_BODY',
        'The request body is missing or improperly formatted.',
      );
    const def = body as Record<string, unknown>;
    const problem = problemOf(def);
    if (problem) return error(reply, 400, problem[0], problem[1]);
    const now = docusignTime();
    const envelope: FakeEnvelope = {
      envelopeId: randomUUID(),
      status: def.status as string,
      emailSubject: String(def.emailSubject ?? ''),
      documents: ((def.documents ?? []) as Record<string, string>[]).map((d) => {
        const bytes = Buffer.from(d.documentBase64!, 'base64');
        return {
          documentId: d.documentId!,
          name: d.name!,
          fileExtension: d.fileExtension,
          bytes,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        };
      }),
      signers: (def.recipients as { signers: Record<string, unknown>[] }).signers,
      textCustomFields:
        (def.customFields as { textCustomFields?: FakeEnvelope['textCustomFields'] } | undefined)
          ?.textCustomFields ?? [],
      definition: def,
      createdDateTime: now,
      statusChangedDateTime: now,
    };
    envelopes.set(envelope.envelopeId, envelope);
    if (fault?.when === 'after')
      return error(reply, fault.status, 'UNSPECIFIED_ERROR', 'An unexpected error occurred.');
    reply.json(201, {
      envelopeId: envelope.envelopeId,
      uri: `/envelopes/${envelope.envelopeId}`,
      statusDateTime: now,
      status: envelope.status,
    });
  }

  function list(query: URLSearchParams, reply: FakeReply) {
    const from = Date.parse(query.get('from_date') ?? '');
    if (Number.isNaN(from))
      return error(
        reply,
        400,
        'INVALID_REQUEST_PARAMETER',
        'The request contained at least one invalid parameter. from_date must be set.',
      );
    const status = query.get('status');
    const custom = query.get('custom_field');
    const [name, ...rest] = (custom ?? '').split('=');
    const value = rest.join('=');
    const found = [...envelopes.values()].filter(
      (e) =>
        Date.parse(e.statusChangedDateTime) >= from &&
        (!status || status.split(',').includes(e.status)) &&
        (!custom || e.textCustomFields.some((f) => f.name === name && f.value === value)),
    );
    const withFields = (query.get('include') ?? '').split(',').includes('custom_fields');
    reply.json(200, {
      resultSetSize: String(found.length),
      totalSetSize: String(found.length),
      startPosition: '0',
      endPosition: String(Math.max(0, found.length - 1)),
      // DocuSign leaves `envelopes` out of an empty answer.
      ...(found.length > 0 ? { envelopes: found.map((e) => summaryOf(e, withFields)) } : {}),
    });
  }

  const server = await startFake((req, reply) => {
    const host = req.headers.host ?? '';
    if (req.method === 'POST' && req.path === '/oauth/token') return token(req.form, host, reply);
    if (!req.path.startsWith('/restapi/'))
      return error(reply, 404, 'RESOURCE_NOT_FOUND', 'not found');
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = bearer === undefined ? undefined : tokens.get(bearer);
    if (expires === undefined || expires < Date.now())
      return error(
        reply,
        401,
        'USER_AUTHENTICATION_FAILED',
        'One or both of Username and Password are invalid. Invalid access token',
      );
    if (!req.path.startsWith(apiPrefix))
      return error(
        reply,
        400,
        'USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT',
        'The specified User is not a member of the specified Account.',
      );
    const rest = req.path.slice(apiPrefix.length);
    if (req.method === 'GET' && rest === '')
      return reply.json(200, {
        accountId: o.accountId,
        accountName: 'Arrears fake account',
        isDefault: 'true',
      });
    if (rest === '/envelopes' && req.method === 'POST') return create(req.json, reply);
    if (rest === '/envelopes' && req.method === 'GET') return list(req.query, reply);
    const one = /^\/envelopes\/([^/]+)$/.exec(rest);
    if (one && req.method === 'GET') {
      const e = envelopes.get(decodeURIComponent(one[1]!));
      if (!e)
        return error(
          reply,
          404,
          'ENVELOPE_DOES_NOT_EXIST',
          'Invalid envelope ID. Envelope does not exist.',
        );
      return reply.json(
        200,
        summaryOf(e, (req.query.get('include') ?? '').includes('custom_fields')),
      );
    }
    error(reply, 404, 'RESOURCE_NOT_FOUND', `no ${req.method} ${req.path}`);
  });

  function setStatus(envelopeId: string, status: string): FakeEnvelope {
    const e = envelopes.get(envelopeId);
    if (!e) throw new Error(`no envelope ${envelopeId}`);
    e.status = status;
    e.statusChangedDateTime = docusignTime();
    if (status === 'completed') e.completedDateTime = e.statusChangedDateTime;
    return e;
  }

  function connectDelivery(envelopeId: string, event: string, options: ConnectOptions = {}) {
    const e = envelopes.get(envelopeId);
    const body = JSON.stringify({
      event,
      apiVersion: 'v2.1',
      uri: `/restapi/v2.1/accounts/${o.accountId}/envelopes/${envelopeId}`,
      retryCount: options.retryCount ?? 0,
      configurationId: 10_001,
      generatedDateTime: options.generatedDateTime ?? docusignTime(),
      data: {
        accountId: o.accountId,
        userId: o.userId,
        envelopeId,
        ...(e && options.includeSummary !== false ? { envelopeSummary: summaryOf(e, true) } : {}),
      },
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-authorization-digest': 'HMACSHA256',
    };
    (options.keys ?? o.connectKeys ?? []).forEach((key, i) => {
      headers[`x-docusign-signature-${i + 1}`] = connectSignature(key, body);
    });
    return { body, headers };
  }

  const statusOfEvent = (event: string) => /^envelope-(.+)$/.exec(event)?.[1];

  fake = Object.assign(server, {
    envelopes,
    tokens,
    consentGiven: true,
    revokeTokens: () => tokens.clear(),
    failCreates(times: number, status: number, when: 'before' | 'after') {
      for (let i = 0; i < times; i++) createFaults.push({ status, when });
    },
    setStatus,
    connectDelivery,
    async sendConnect(url: string, envelopeId: string, event: string, options?: ConnectOptions) {
      const status = statusOfEvent(event);
      if (status && envelopes.has(envelopeId)) setStatus(envelopeId, status);
      const { body, headers } = connectDelivery(envelopeId, event, options);
      return postCallback(url, body, headers);
    },
    async sendConnectSequence(
      url: string,
      envelopeId: string,
      events: string[],
      intervalMs: number,
    ) {
      const results: { event: string; status: number; text: string }[] = [];
      for (const event of events) {
        await new Promise((r) => setTimeout(r, intervalMs));
        results.push({ event, ...(await fake.sendConnect(url, envelopeId, event)) });
      }
      return results;
    },
  });
  return fake;
}
