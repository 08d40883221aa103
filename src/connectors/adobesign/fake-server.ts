/**
 * A local Acrobat Sign (REST v6, OAuth refresh tokens, webhooks) built from the reference
 * (connectors-systems.md section 9, section 20), for contract tests and the demo:
 *
 *   POST /oauth/v2/refresh                 grant_type=refresh_token, client_id, client_secret,
 *                                          refresh_token → a 3600-s access token (optionally
 *                                          rotating the refresh token); `{error, error_description}`
 *   GET  /api/rest/v6/baseUris             apiAccessPoint / webAccessPoint
 *   POST /api/rest/v6/transientDocuments   multipart File-Name, Mime-Type, File → transientDocumentId
 *   POST /api/rest/v6/agreements           validates the documented fields → 201 {id}
 *   GET  /api/rest/v6/agreements?externalId=…   userAgreementList
 *   GET  /api/rest/v6/agreements/{id}      the agreement (status, externalId …)
 *
 * API calls need a Bearer token it issued (401 INVALID_ACCESS_TOKEN otherwise); refusals
 * are `{code, message}`. The PDF bytes of each agreement are kept with their sha256.
 * Webhooks: the verification of intent (GET with X-AdobeSign-ClientId, the echo checked)
 * and notifications (POST, the echo checked too), one by one or over time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { startFake, type FakeReply, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { multipartBoundary, parseMultipart } from '../sandbox/map.js';
import { CLIENT_ID_BODY_FIELD, CLIENT_ID_HEADER } from './map.js';

export interface FakeTransientDocument {
  id: string;
  fileName: string;
  mimeType: string;
  bytes: Buffer;
  sha256: string;
}

export interface FakeAgreement {
  id: string;
  name: string;
  status: string;
  externalId?: { id: string };
  document: FakeTransientDocument;
  /** The request body as received. */
  request: Record<string, unknown>;
  createdDate: string;
}

export interface AdobeSignFakeOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Every refresh answers a new refresh token and retires the one used. */
  rotateRefreshTokens?: boolean;
  tokenSeconds?: number;
}

export interface Delivery {
  status: number;
  /** The client id came back (header or JSON body), as Acrobat Sign requires. */
  echoed: boolean;
  text: string;
}

export interface AdobeSignFake extends FakeServer {
  transientDocuments: Map<string, FakeTransientDocument>;
  agreements: Map<string, FakeAgreement>;
  /** Issued access tokens (token → expiry, epoch ms). */
  tokens: Map<string, number>;
  /** The listing ignores `externalId` (the filter is a secondary-source fact): lists everything. */
  listIgnoresExternalId: boolean;
  /** The refresh token it accepts now. */
  currentRefreshToken(): string;
  revokeTokens(): void;
  /**
   * The next `times` agreement creates answer `status`: `before` nothing is created,
   * `after` the agreement is created and the answer is lost.
   */
  failCreates(times: number, status: number, when: 'before' | 'after'): void;
  setStatus(agreementId: string, status: string): FakeAgreement;
  /** A notification as Acrobat Sign would post it. */
  notification(
    agreementId: string,
    event: string,
    over?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** The verification of intent: GET `url` with our client id; ok when it is echoed. */
  verifyIntent(url: string, clientId?: string): Promise<Delivery>;
  /** Moves the agreement to the event's status and posts the notification. */
  notify(
    url: string,
    agreementId: string,
    event: string,
    options?: { clientId?: string; body?: Record<string, unknown> },
  ): Promise<Delivery>;
  notifySequence(
    url: string,
    agreementId: string,
    events: string[],
    intervalMs: number,
  ): Promise<(Delivery & { event: string })[]>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const STATUS_AFTER: Record<string, string> = {
  AGREEMENT_CREATED: 'OUT_FOR_SIGNATURE',
  AGREEMENT_WORKFLOW_COMPLETED: 'SIGNED',
  AGREEMENT_REJECTED: 'CANCELLED',
  AGREEMENT_RECALLED: 'CANCELLED',
  AGREEMENT_EXPIRED: 'EXPIRED',
};

export async function startAdobeSignFake(o: AdobeSignFakeOptions): Promise<AdobeSignFake> {
  const transientDocuments = new Map<string, FakeTransientDocument>();
  const agreements = new Map<string, FakeAgreement>();
  const tokens = new Map<string, number>();
  const createFaults: { status: number; when: 'before' | 'after' }[] = [];
  let refreshToken = o.refreshToken;
  let url = '';

  const error = (reply: FakeReply, status: number, code: string, message: string) =>
    reply.json(status, { code, message });
  const invalid = (reply: FakeReply, message: string) =>
    error(reply, 400, 'INVALID_ARGUMENTS', message);

  function refresh(form: Record<string, string>, reply: FakeReply) {
    if (form.grant_type !== 'refresh_token')
      return reply.json(400, {
        error: 'unsupported_grant_type',
        error_description: 'grant_type must be refresh_token',
      });
    if (form.client_id !== o.clientId || form.client_secret !== o.clientSecret)
      return reply.json(401, {
        error: 'invalid_client',
        error_description: 'Invalid client_id or client_secret',
      });
    if (form.refresh_token !== refreshToken)
      return reply.json(400, {
        error: 'invalid_request',
        error_description: 'Invalid refresh token',
      });
    const access = `as-at-${randomUUID()}`;
    const seconds = o.tokenSeconds ?? 3600;
    tokens.set(access, Date.now() + seconds * 1000);
    if (o.rotateRefreshTokens) refreshToken = `as-rt-${randomUUID()}`;
    reply.json(200, {
      access_token: access,
      token_type: 'Bearer',
      expires_in: seconds,
      ...(o.rotateRefreshTokens ? { refresh_token: refreshToken } : {}),
    });
  }

  function upload(req: FakeRequest, reply: FakeReply) {
    const boundary = multipartBoundary(req.headers['content-type']);
    const parts = boundary ? parseMultipart(req.raw, boundary) : undefined;
    if (!parts) return invalid(reply, 'The request must be multipart/form-data.');
    const part = (name: string) => parts.find((p) => p.name === name);
    const file = part('File');
    if (!file || file.data.length === 0) return invalid(reply, 'File is required.');
    const doc: FakeTransientDocument = {
      id: `tdoc-${randomUUID()}`,
      fileName: part('File-Name')?.data.toString('utf8') ?? file.filename ?? '',
      mimeType: part('Mime-Type')?.data.toString('utf8') ?? file.contentType ?? '',
      bytes: file.data,
      sha256: createHash('sha256').update(file.data).digest('hex'),
    };
    transientDocuments.set(doc.id, doc);
    reply.json(201, { transientDocumentId: doc.id });
  }

  /** Why an agreement request is refused, as Acrobat Sign words it; undefined when fine. */
  function problemOf(b: Record<string, unknown>): [number, string, string] | undefined {
    const files = b.fileInfos;
    if (!Array.isArray(files) || files.length === 0)
      return [400, 'INVALID_ARGUMENTS', 'fileInfos is required.'];
    for (const f of files as Record<string, unknown>[])
      if (
        typeof f.transientDocumentId !== 'string' ||
        !transientDocuments.has(f.transientDocumentId)
      )
        return [
          404,
          'INVALID_TRANSIENT_DOCUMENT_ID',
          'The transient document ID specified is invalid.',
        ];
    if (typeof b.name !== 'string' || b.name.trim() === '')
      return [400, 'INVALID_ARGUMENTS', 'name is required.'];
    const sets = b.participantSetsInfo;
    if (!Array.isArray(sets) || sets.length === 0)
      return [400, 'INVALID_ARGUMENTS', 'participantSetsInfo is required.'];
    for (const s of sets as Record<string, unknown>[]) {
      const members = s.memberInfos;
      if (!Array.isArray(members) || members.length === 0)
        return [400, 'INVALID_ARGUMENTS', 'participantSetsInfo.memberInfos is required.'];
      for (const m of members as Record<string, unknown>[])
        if (typeof m.email !== 'string' || !EMAIL.test(m.email))
          return [400, 'INVALID_EMAIL', 'The email address provided is invalid.'];
      if (typeof s.order !== 'number')
        return [400, 'INVALID_ARGUMENTS', 'participantSetsInfo.order is required.'];
      if (typeof s.role !== 'string')
        return [400, 'INVALID_ARGUMENTS', 'participantSetsInfo.role is required.'];
    }
    if (b.signatureType !== 'ESIGN' && b.signatureType !== 'WRITTEN')
      return [400, 'INVALID_ARGUMENTS', 'signatureType must be ESIGN or WRITTEN.'];
    if (!['IN_PROCESS', 'DRAFT', 'AUTHORING'].includes(b.state as string))
      return [400, 'INVALID_ARGUMENTS', 'state must be IN_PROCESS, DRAFT or AUTHORING.'];
    return undefined;
  }

  function create(body: unknown, reply: FakeReply) {
    const fault = createFaults.shift();
    if (fault?.when === 'before')
      return error(
        reply,
        fault.status,
        'MISC_SERVER_ERROR',
        'Some miscellaneous error has occurred',
      );
    if (!body || typeof body !== 'object')
      return invalid(reply, 'The request body is not valid JSON.');
    const b = body as Record<string, unknown>;
    const problem = problemOf(b);
    if (problem) return error(reply, ...problem);
    const externalId = b.externalId as { id?: unknown } | undefined;
    const agreement: FakeAgreement = {
      id: `CBJCHBCAABAA${randomUUID().replace(/-/g, '')}`,
      name: b.name as string,
      status: b.state === 'IN_PROCESS' ? 'OUT_FOR_SIGNATURE' : (b.state as string),
      ...(typeof externalId?.id === 'string' ? { externalId: { id: externalId.id } } : {}),
      document: transientDocuments.get(
        (b.fileInfos as { transientDocumentId: string }[])[0]!.transientDocumentId,
      )!,
      request: b,
      createdDate: new Date().toISOString(),
    };
    agreements.set(agreement.id, agreement);
    if (fault?.when === 'after')
      return error(
        reply,
        fault.status,
        'MISC_SERVER_ERROR',
        'Some miscellaneous error has occurred',
      );
    reply.json(201, { id: agreement.id });
  }

  const infoOf = (a: FakeAgreement) => ({
    id: a.id,
    name: a.name,
    status: a.status,
    signatureType: a.request.signatureType,
    participantSetsInfo: a.request.participantSetsInfo,
    createdDate: a.createdDate,
    ...(a.externalId ? { externalId: a.externalId } : {}),
  });

  const server = await startFake((req, reply) => {
    if (req.method === 'POST' && req.path === '/oauth/v2/refresh') return refresh(req.form, reply);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = bearer === undefined ? undefined : tokens.get(bearer);
    if (expires === undefined || expires < Date.now())
      return error(
        reply,
        401,
        'INVALID_ACCESS_TOKEN',
        'Access token provided is invalid or has expired',
      );
    const v6 = '/api/rest/v6';
    if (req.method === 'GET' && req.path === `${v6}/baseUris`)
      return reply.json(200, { apiAccessPoint: `${url}/`, webAccessPoint: `${url}/` });
    if (req.method === 'POST' && req.path === `${v6}/transientDocuments`) return upload(req, reply);
    if (req.method === 'POST' && req.path === `${v6}/agreements`) return create(req.json, reply);
    if (req.method === 'GET' && req.path === `${v6}/agreements`) {
      const wanted = fake.listIgnoresExternalId ? null : req.query.get('externalId');
      const list = [...agreements.values()].filter(
        (a) => wanted === null || a.externalId?.id === wanted,
      );
      return reply.json(200, {
        userAgreementList: list.map((a) => ({
          id: a.id,
          name: a.name,
          status: a.status,
          esign: true,
          hidden: false,
        })),
        page: {},
      });
    }
    const one = new RegExp(`^${v6}/agreements/([^/]+)$`).exec(req.path);
    if (one && req.method === 'GET') {
      const a = agreements.get(decodeURIComponent(one[1]!));
      if (!a)
        return error(reply, 404, 'INVALID_AGREEMENT_ID', 'The Agreement ID specified is invalid.');
      return reply.json(200, infoOf(a));
    }
    error(reply, 404, 'NOT_FOUND', `no ${req.method} ${req.path}`);
  });
  url = server.url;

  function setStatus(agreementId: string, status: string): FakeAgreement {
    const a = agreements.get(agreementId);
    if (!a) throw new Error(`no agreement ${agreementId}`);
    a.status = status;
    return a;
  }

  function notification(agreementId: string, event: string, over: Record<string, unknown> = {}) {
    const a = agreements.get(agreementId);
    return {
      webhookId: 'CBJCHBCAABAAwebhook0001',
      webhookName: 'Arrears',
      webhookNotificationId: randomUUID(),
      webhookUrlInfo: { url: 'https://arrears.example.com/webhooks/adobesign' },
      webhookScope: 'ACCOUNT',
      event,
      eventDate: new Date().toISOString(),
      eventResourceType: 'agreement',
      actingUserEmail: 'ana@example.com',
      agreement: a ? infoOf(a) : { id: agreementId },
      ...over,
    };
  }

  async function deliver(res: Response, clientId: string): Promise<Delivery> {
    const text = await res.text();
    let bodyId: unknown;
    try {
      bodyId = (JSON.parse(text) as Record<string, unknown>)[CLIENT_ID_BODY_FIELD];
    } catch {
      bodyId = undefined;
    }
    const echoed = res.headers.get(CLIENT_ID_HEADER) === clientId || bodyId === clientId;
    return { status: res.status, echoed: res.status >= 200 && res.status < 300 && echoed, text };
  }

  // eslint-disable-next-line prefer-const -- the handler reads it once it is assigned
  let fake: AdobeSignFake;
  fake = Object.assign(server, {
    listIgnoresExternalId: false,
    transientDocuments,
    agreements,
    tokens,
    currentRefreshToken: () => refreshToken,
    revokeTokens: () => tokens.clear(),
    failCreates(times: number, status: number, when: 'before' | 'after') {
      for (let i = 0; i < times; i++) createFaults.push({ status, when });
    },
    setStatus,
    notification,
    async verifyIntent(target: string, clientId = o.clientId) {
      return deliver(await fetch(target, { headers: { [CLIENT_ID_HEADER]: clientId } }), clientId);
    },
    async notify(
      target: string,
      agreementId: string,
      event: string,
      options: { clientId?: string; body?: Record<string, unknown> } = {},
    ) {
      const status = STATUS_AFTER[event];
      if (status && agreements.has(agreementId)) setStatus(agreementId, status);
      const clientId = options.clientId ?? o.clientId;
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_ID_HEADER]: clientId },
        body: JSON.stringify(options.body ?? notification(agreementId, event)),
      });
      return deliver(res, clientId);
    },
    async notifySequence(
      target: string,
      agreementId: string,
      events: string[],
      intervalMs: number,
    ) {
      const results: (Delivery & { event: string })[] = [];
      for (const event of events) {
        await new Promise((r) => setTimeout(r, intervalMs));
        results.push({ event, ...(await fake.notify(target, agreementId, event)) });
      }
      return results;
    },
  });
  return fake;
}
