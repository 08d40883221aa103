/**
 * A local RingCentral (reference section 5) for contract tests and the demo: the JWT and
 * refresh-token grants with Basic client credentials, Bearer checks (OAU-128 once a token
 * is expired), SMS with its required fields (CMN-101 / MSG-245), RingOut, the message
 * store, and webhook subscriptions that run the Validation-Token handshake against their
 * address and then post notifications carrying the Verification-Token. Every API answer
 * carries the X-Rate-Limit-* headers; `rateLimitNext` answers 429 CMN-301 the documented way.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { JWT_GRANT, PATHS } from './map.js';
import {
  FAKE_EXTENSION_ID,
  instantSmsNotification,
  messageStoreNotification,
  notificationHeaders,
  OWNER,
  type FakeMessage,
} from './fake-notifications.js';
import { VALIDATION_TOKEN } from './webhooks.js';

export * from './fake-notifications.js';

export interface RingCentralFakeOptions {
  clientId: string;
  clientSecret: string;
  jwt: string;
  /** The SMS-enabled numbers of the JWT's extension (E.164). */
  numbers: string[];
  accessTtlSeconds?: number;
  /** Every accepted SMS then moves Queued → Sent → Delivered this many ms apart, notifying subscribers. */
  statusStepMs?: number;
  /** Recipients whose SMS end DeliveryFailed SMS-CAR-411 (a landline). */
  undeliverable?: string[];
}

export interface FakeSubscription {
  id: string;
  eventFilters: string[];
  address: string;
  verificationToken?: string;
  expiresIn: number;
  expirationTime: string;
}

export interface RingOutStatus {
  callStatus: string;
  callerStatus: string;
  calleeStatus: string;
}

export interface FakeRingOut {
  id: number;
  from?: string;
  to: string;
  playPrompt: boolean;
  status: RingOutStatus;
}

/** A notification as built and, to each matching subscriber, posted. */
export interface SentNotification {
  payload: Record<string, unknown>;
  raw: string;
  deliveries: { address: string; status: number }[];
}

export interface RingCentralFake extends FakeServer {
  messages: Map<string, FakeMessage>;
  ringOuts: Map<string, FakeRingOut>;
  subscriptions: Map<string, FakeSubscription>;
  /** Every access token issued so far now answers 401 OAU-128. */
  expireAccessTokens(): void;
  /** The next `times` requests (matching `path`) answer 429 CMN-301, with Retry-After when given. */
  rateLimitNext(times: number, retryAfterSeconds: number | null, path?: RegExp): void;
  /** An outbound SMS changes status; subscribers get the (counts-only) message-store event. */
  setMessageStatus(
    id: string,
    status: string,
    deliveryErrorCode?: string,
  ): Promise<SentNotification>;
  /** A tenant texts in; subscribers get the instant event. */
  receiveSms(from: string, text: string, to?: string): Promise<SentNotification>;
  setRingOutStatus(id: string, status: RingOutStatus): void;
}

// ---------------------------------------------------------------------------------------

const RATE_GROUPS = { auth: 5, light: 50, medium: 40, heavy: 10 } as const;
const rateHeaders = (group: keyof typeof RATE_GROUPS) => ({
  'x-rate-limit-group': group,
  'x-rate-limit-limit': String(RATE_GROUPS[group]),
  'x-rate-limit-remaining': String(RATE_GROUPS[group] - 1),
  'x-rate-limit-window': '60',
});

const errors = (errorCode: string, message: string, parameterName?: string) => ({
  errors: [{ errorCode, message, ...(parameterName ? { parameterName } : {}) }],
});
const invalid = (parameterName: string) =>
  errors('CMN-101', `Parameter [${parameterName}] value is invalid.`, parameterName);

export async function startRingCentralFake(o: RingCentralFakeOptions): Promise<RingCentralFake> {
  const ttl = o.accessTtlSeconds ?? 3600;
  const access = new Map<string, { expiresAt: number }>();
  const refresh = new Set<string>();
  const messages = new Map<string, FakeMessage>();
  const ringOuts = new Map<string, FakeRingOut>();
  const subscriptions = new Map<string, FakeSubscription>();
  const timers = new Set<NodeJS.Timeout>();
  let nextId = 400_000_000_000;
  const token = () => randomBytes(24).toString('base64url');

  function issue(reply: FakeReply) {
    const a = token();
    const r = token();
    access.set(a, { expiresAt: Date.now() + ttl * 1000 });
    refresh.add(r);
    reply.json(
      200,
      {
        access_token: a,
        token_type: 'bearer',
        expires_in: ttl,
        refresh_token: r,
        refresh_token_expires_in: 604_800,
        scope: 'SMS RingOut ReadMessages ReadAccounts WebhookSubscriptions',
        owner_id: FAKE_EXTENSION_ID,
      },
      rateHeaders('auth'),
    );
  }

  function tokenEndpoint(req: FakeRequest, reply: FakeReply) {
    const auth = req.headers.authorization ?? '';
    const [id, secret] = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')
      : [];
    if (id !== o.clientId || secret !== o.clientSecret)
      return reply.json(
        401,
        {
          error: 'invalid_client',
          error_description: 'Invalid client credentials',
          ...errors('OAU-146', 'Invalid client credentials'),
        },
        rateHeaders('auth'),
      );
    const grant = req.form.grant_type;
    // RFC 6749 5.2: a bad assertion or refresh token is `invalid_grant`, 400.
    const badGrant = (description: string) =>
      reply.json(
        400,
        {
          error: 'invalid_grant',
          error_description: description,
          ...errors('OAU-140', description),
        },
        rateHeaders('auth'),
      );
    if (grant === JWT_GRANT)
      return req.form.assertion === o.jwt ? issue(reply) : badGrant('Invalid JWT');
    if (grant === 'refresh_token') {
      const r = req.form.refresh_token ?? '';
      if (!refresh.delete(r)) return badGrant('Token not found');
      return issue(reply);
    }
    return reply.json(
      400,
      { error: 'unsupported_grant_type', ...invalid('grant_type') },
      rateHeaders('auth'),
    );
  }

  /** The Bearer check every API path makes; false when it answered already. */
  function authorised(req: FakeRequest, reply: FakeReply): boolean {
    const auth = req.headers.authorization ?? '';
    const held = auth.startsWith('Bearer ') ? access.get(auth.slice(7)) : undefined;
    if (!auth.startsWith('Bearer ')) {
      reply.json(401, errors('OAU-123', 'Invalid Authorization header value'));
      return false;
    }
    if (!held) {
      reply.json(401, errors('OAU-129', 'Access token corrupted.'));
      return false;
    }
    if (held.expiresAt <= Date.now()) {
      reply.json(401, errors('OAU-128', 'Access token expired.'));
      return false;
    }
    return true;
  }

  async function notify(
    payload: Record<string, unknown>,
    wants: (filter: string) => boolean,
  ): Promise<SentNotification> {
    const raw = JSON.stringify(payload);
    const deliveries: SentNotification['deliveries'] = [];
    for (const s of subscriptions.values()) {
      if (!s.eventFilters.some(wants)) continue;
      const res = await postCallback(s.address, raw, {
        ...notificationHeaders(s.verificationToken),
      }).catch(() => ({ status: 0 }));
      deliveries.push({ address: s.address, status: res.status });
    }
    return { payload, raw, deliveries };
  }
  const instantFilter = (f: string) => f.includes('/message-store/instant');
  const outboundFilter = (f: string) => /\/message-store(\?|$)/.test(f) && !f.includes('Inbound');

  async function setMessageStatus(id: string, status: string, code?: string) {
    const m = messages.get(id);
    if (!m) throw new Error(`no message ${id}`);
    m.messageStatus = status;
    if (code) m.deliveryErrorCode = code;
    m.lastModifiedTime = new Date().toISOString();
    return notify(messageStoreNotification(m.lastModifiedTime), outboundFilter);
  }

  function later(ms: number, step: () => Promise<unknown>) {
    const t = setTimeout(() => {
      timers.delete(t);
      void step().catch(() => undefined);
    }, ms);
    timers.add(t);
  }

  function sendSms(req: FakeRequest, reply: FakeReply) {
    const b = (req.json ?? {}) as {
      from?: { phoneNumber?: unknown };
      to?: { phoneNumber?: unknown }[];
      text?: unknown;
    };
    const headers = rateHeaders('medium');
    const from = b.from?.phoneNumber;
    if (typeof from !== 'string' || from === '') return reply.json(400, invalid('from'), headers);
    if (!o.numbers.includes(from))
      return reply.json(
        400,
        errors(
          'MSG-245',
          `Parameter [from] value [${from}] is invalid [Cannot find the phone number which belongs to user]`,
          'from',
        ),
        headers,
      );
    const to = Array.isArray(b.to) ? b.to.map((t) => t?.phoneNumber) : [];
    if (to.length === 0 || to.some((t) => typeof t !== 'string' || t === ''))
      return reply.json(400, invalid('to'), headers);
    if (typeof b.text !== 'string' || b.text === '')
      return reply.json(400, invalid('text'), headers);
    const id = ++nextId;
    const now = new Date().toISOString();
    const m: FakeMessage = {
      uri: `https://platform.ringcentral.com${OWNER}/message-store/${id}`,
      id,
      type: 'SMS',
      direction: 'Outbound',
      from: { phoneNumber: from },
      to: (to as string[]).map((phoneNumber) => ({ phoneNumber })),
      subject: b.text,
      messageStatus: 'Queued',
      creationTime: now,
      lastModifiedTime: now,
      readStatus: 'Read',
      availability: 'Alive',
      conversationId: String(id + 7_000_000),
      conversation: { id: String(id + 7_000_000) },
    };
    messages.set(String(id), m);
    if (o.statusStepMs !== undefined) {
      const step = o.statusStepMs;
      const landline = m.to.some((t) => o.undeliverable?.includes(t.phoneNumber));
      later(step, async () => {
        await setMessageStatus(String(id), 'Sent');
        later(step, () =>
          landline
            ? setMessageStatus(String(id), 'DeliveryFailed', 'SMS-CAR-411')
            : setMessageStatus(String(id), 'Delivered'),
        );
      });
    }
    reply.json(200, m, headers);
  }

  function listMessages(req: FakeRequest, reply: FakeReply) {
    const q = req.query;
    const from = q.get('dateFrom') ? Date.parse(q.get('dateFrom')!) : 0;
    const perPage = Number(q.get('perPage') ?? 100);
    const records = [...messages.values()]
      .filter((m) => !q.get('messageType') || m.type === q.get('messageType'))
      .filter((m) => !q.get('direction') || m.direction === q.get('direction'))
      .filter((m) => Date.parse(m.creationTime) >= from)
      .sort((a, b) => b.id - a.id)
      .slice(0, perPage);
    reply.json(
      200,
      {
        uri: req.path,
        records,
        paging: { page: 1, perPage, pageStart: 0, pageEnd: records.length - 1 },
        navigation: {},
      },
      rateHeaders('light'),
    );
  }

  function ringOut(req: FakeRequest, reply: FakeReply) {
    const b = (req.json ?? {}) as {
      from?: { phoneNumber?: unknown };
      to?: { phoneNumber?: unknown };
      playPrompt?: unknown;
    };
    const headers = rateHeaders('heavy');
    const to = b.to?.phoneNumber;
    if (typeof to !== 'string' || to === '') return reply.json(400, invalid('to'), headers);
    if (
      b.from !== undefined &&
      (typeof b.from.phoneNumber !== 'string' || b.from.phoneNumber === '')
    )
      return reply.json(400, invalid('from'), headers);
    const id = ++nextId;
    const call: FakeRingOut = {
      id,
      ...(b.from ? { from: b.from.phoneNumber as string } : {}),
      to,
      playPrompt: b.playPrompt === true,
      status: { callStatus: 'InProgress', callerStatus: 'InProgress', calleeStatus: 'InProgress' },
    };
    ringOuts.set(String(id), call);
    reply.json(200, { id, uri: `${OWNER}/ring-out/${id}`, status: call.status }, headers);
  }

  async function handshake(address: string): Promise<boolean> {
    const validation = randomUUID();
    try {
      const res = await fetch(address, {
        method: 'POST',
        headers: { [VALIDATION_TOKEN]: validation, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(3_000),
      });
      await res.text();
      return res.status === 200 && res.headers.get(VALIDATION_TOKEN) === validation;
    } catch {
      return false;
    }
  }

  async function subscribe(req: FakeRequest, reply: FakeReply) {
    const b = (req.json ?? {}) as {
      eventFilters?: unknown;
      deliveryMode?: { transportType?: unknown; address?: unknown; verificationToken?: unknown };
      expiresIn?: unknown;
    };
    const headers = rateHeaders('medium');
    const filters = b.eventFilters;
    if (
      !Array.isArray(filters) ||
      filters.length === 0 ||
      filters.some((f) => typeof f !== 'string')
    )
      return reply.json(400, invalid('eventFilters'), headers);
    const mode = b.deliveryMode;
    if (mode?.transportType !== 'WebHook')
      return reply.json(400, invalid('deliveryMode.transportType'), headers);
    if (typeof mode.address !== 'string' || !/^https?:\/\//.test(mode.address))
      return reply.json(400, invalid('deliveryMode.address'), headers);
    if (!(await handshake(mode.address)))
      return reply.json(400, errors('SUB-525', 'WebHook server response is invalid'), headers);
    const expiresIn = typeof b.expiresIn === 'number' ? b.expiresIn : 604_800;
    const s: FakeSubscription = {
      id: randomUUID(),
      eventFilters: filters as string[],
      address: mode.address,
      ...(typeof mode.verificationToken === 'string'
        ? { verificationToken: mode.verificationToken }
        : {}),
      expiresIn,
      expirationTime: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
    subscriptions.set(s.id, s);
    reply.json(200, subscriptionRecord(s), headers);
  }

  const subscriptionRecord = (s: FakeSubscription) => ({
    uri: `https://platform.ringcentral.com${PATHS.subscription}/${s.id}`,
    id: s.id,
    creationTime: new Date().toISOString(),
    status: 'Active',
    eventFilters: s.eventFilters,
    expirationTime: s.expirationTime,
    expiresIn: s.expiresIn,
    deliveryMode: { transportType: 'WebHook', address: s.address, encryption: false },
  });

  const fake = await startFake(async (req, reply) => {
    if (req.method === 'POST' && req.path === PATHS.token) return tokenEndpoint(req, reply);
    if (!authorised(req, reply)) return;
    const { path, method } = req;
    if (method === 'POST' && path === PATHS.sms) return sendSms(req, reply);
    if (method === 'POST' && path === PATHS.ringOut) return ringOut(req, reply);
    const call = path.startsWith(`${PATHS.ringOut}/`)
      ? ringOuts.get(path.slice(PATHS.ringOut.length + 1))
      : undefined;
    if (method === 'GET' && call)
      return reply.json(
        200,
        { id: call.id, uri: `${OWNER}/ring-out/${call.id}`, status: call.status },
        rateHeaders('light'),
      );
    if (method === 'DELETE' && call) {
      ringOuts.delete(String(call.id));
      return reply.empty(204, rateHeaders('heavy'));
    }
    if (method === 'GET' && path === PATHS.messageStore) return listMessages(req, reply);
    if (method === 'GET' && path.startsWith(`${PATHS.messageStore}/`)) {
      const m = messages.get(path.slice(PATHS.messageStore.length + 1));
      return m
        ? reply.json(200, m, rateHeaders('light'))
        : reply.json(
            404,
            errors('CMN-102', 'Resource for parameter [messageId] is not found', 'messageId'),
          );
    }
    if (method === 'POST' && path === PATHS.subscription) return subscribe(req, reply);
    const renew = /^\/restapi\/v1\.0\/subscription\/([^/]+)\/renew$/.exec(path);
    if (method === 'POST' && renew) {
      const s = subscriptions.get(decodeURIComponent(renew[1]!));
      if (!s) return reply.json(404, errors('SUB-507', 'Subscription was expired'));
      s.expirationTime = new Date(Date.now() + s.expiresIn * 1000).toISOString();
      return reply.json(200, subscriptionRecord(s), rateHeaders('medium'));
    }
    if (method === 'GET' && path === PATHS.extension)
      return reply.json(
        200,
        {
          uri: `https://platform.ringcentral.com${OWNER}`,
          id: Number(FAKE_EXTENSION_ID),
          extensionNumber: '101',
          name: 'Oak Court Office',
          type: 'User',
          status: 'Enabled',
        },
        rateHeaders('light'),
      );
    reply.json(404, errors('CMN-120', 'Invalid URI'));
  });

  const close = fake.close;
  return Object.assign(fake, {
    messages,
    ringOuts,
    subscriptions,
    expireAccessTokens() {
      for (const held of access.values()) held.expiresAt = 0;
    },
    rateLimitNext(times: number, retryAfterSeconds: number | null, path?: RegExp) {
      fake.fault(times, {
        status: 429,
        headers: {
          ...rateHeaders('medium'),
          'x-rate-limit-remaining': '0',
          ...(retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) }),
        },
        body: errors('CMN-301', 'Request rate exceeded'),
        ...(path ? { path } : {}),
      });
    },
    setMessageStatus,
    async receiveSms(from: string, text: string, to = o.numbers[0]!) {
      const id = ++nextId;
      const now = new Date().toISOString();
      const m: FakeMessage = {
        uri: `https://platform.ringcentral.com${OWNER}/message-store/${id}`,
        id,
        type: 'SMS',
        direction: 'Inbound',
        from: { phoneNumber: from },
        to: [{ phoneNumber: to }],
        subject: text,
        messageStatus: 'Received',
        creationTime: now,
        lastModifiedTime: now,
        readStatus: 'Unread',
        availability: 'Alive',
        conversationId: String(id + 7_000_000),
        conversation: { id: String(id + 7_000_000) },
      };
      messages.set(String(id), m);
      return notify(instantSmsNotification(m), instantFilter);
    },
    setRingOutStatus(id: string, status: RingOutStatus) {
      const call = ringOuts.get(id);
      if (!call) throw new Error(`no RingOut ${id}`);
      call.status = status;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await close();
    },
  });
}
