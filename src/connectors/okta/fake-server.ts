/**
 * A local Okta org (reference §10, §20) for tests and the demo: SSWS token auth answering
 * Okta's `{errorCode, errorSummary, errorLink, errorId, errorCauses}` body, rate-limit
 * headers on every answer (`X-Rate-Limit-Limit/-Remaining/-Reset`, epoch seconds; 429s via
 * `failNext(1, 429, {'x-rate-limit-reset': …})`), the user lifecycle state machine, and
 * event hooks with their one-time verification and deliveries.
 *
 *   GET  /api/v1/users/me                            the token's admin
 *   GET  /api/v1/users?search=profile.login eq "…" or profile.email eq "…"&limit=n
 *   GET  /api/v1/users/{id or login}                  404 E0000007
 *   POST /api/v1/users/{id}/lifecycle/suspend         ACTIVE → SUSPENDED, else 400 E0000001
 *   POST /api/v1/users/{id}/lifecycle/unsuspend       SUSPENDED → ACTIVE, else 400 E0000001
 *   GET  /api/v1/eventHooks   POST /api/v1/eventHooks (name, events, channel required)
 *   POST /api/v1/eventHooks/{id}/lifecycle/verify     GETs the hook URI with a challenge
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { postCallback, startFake, type FakeReply, type FakeServer } from '../fake/fake-http.js';

export interface FakeOktaUser {
  id: string;
  status: string;
  transitioningToStatus: string | null;
  created: string;
  lastUpdated: string;
  statusChanged: string | null;
  profile: { login: string; email: string; firstName: string; lastName: string };
}

export interface FakeEventHook {
  id: string;
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'UNVERIFIED' | 'VERIFIED';
  name: string;
  events: { type: string; items: string[] };
  channel: {
    type: string;
    version: string;
    config: {
      uri: string;
      headers?: { key: string; value: string }[];
      authScheme?: { type: string; key: string; value?: string };
    };
  };
}

export interface OktaFakeOptions {
  apiToken: string;
  now?: () => number;
}

export interface OktaFake extends FakeServer {
  users: Map<string, FakeOktaUser>;
  hooks: Map<string, FakeEventHook>;
  addUser(login: string, status?: string, email?: string): FakeOktaUser;
  /** An event hook delivery of System Log events about `user` (as Okta posts it). */
  delivery(
    eventTypes: string[],
    user: FakeOktaUser,
  ): { body: string; eventId: string; headers: Record<string, string> };
  /** Posts a delivery to `url` with the hook's Authorization value. */
  deliver(
    url: string,
    authorization: string,
    body: string,
  ): Promise<{ status: number; text: string }>;
}

export const okta = {
  error(code: string, summary: string, causes: string[] = []) {
    return {
      errorCode: code,
      errorSummary: summary,
      errorLink: code,
      errorId: `oae${randomBytes(11).toString('base64url')}`,
      errorCauses: causes.map((errorSummary) => ({ errorSummary })),
    };
  },
};

const SEARCH_TERM = /profile\.(login|email) eq "((?:[^"\\]|\\.)*)"/g;

export async function startOktaFake(options: OktaFakeOptions): Promise<OktaFake> {
  const now = options.now ?? Date.now;
  const users = new Map<string, FakeOktaUser>();
  const hooks = new Map<string, FakeEventHook>();
  const iso = () => new Date(now()).toISOString();
  const admin: FakeOktaUser = {
    id: '00uadmin0000000000x7',
    status: 'ACTIVE',
    transitioningToStatus: null,
    created: iso(),
    lastUpdated: iso(),
    statusChanged: null,
    profile: {
      login: 'admin@oakcourt.example',
      email: 'admin@oakcourt.example',
      firstName: 'Org',
      lastName: 'Admin',
    },
  };

  const limits = (): Record<string, string> => ({
    'x-rate-limit-limit': '600',
    'x-rate-limit-remaining': '599',
    'x-rate-limit-reset': String(Math.floor(now() / 1000) + 60),
  });
  const send = (reply: FakeReply, status: number, body: unknown) =>
    status === 204 ? reply.empty(204, limits()) : reply.json(status, body, limits());
  const find = (idOrLogin: string) =>
    users.get(idOrLogin) ??
    [...users.values()].find((u) => u.profile.login.toLowerCase() === idOrLogin.toLowerCase());
  const notFound = (reply: FakeReply, what: string) =>
    send(reply, 404, okta.error('E0000007', `Not found: Resource not found: ${what} (User)`, []));

  function transition(reply: FakeReply, user: FakeOktaUser, from: string, to: string, op: string) {
    if (user.status !== from)
      return send(
        reply,
        400,
        okta.error('E0000001', 'Api validation failed: lifecycle', [
          `Cannot ${op} a user that is ${user.status}; it must be ${from}`,
        ]),
      );
    user.status = to;
    user.statusChanged = user.lastUpdated = iso();
    send(reply, 200, {});
  }

  async function verifyHook(reply: FakeReply, hook: FakeEventHook) {
    const challenge = randomBytes(24).toString('base64url');
    const headers: Record<string, string> = { 'x-okta-verification-challenge': challenge };
    for (const h of hook.channel.config.headers ?? []) headers[h.key.toLowerCase()] = h.value;
    const auth = hook.channel.config.authScheme;
    if (auth?.value) headers[auth.key.toLowerCase()] = auth.value;
    let answer: unknown;
    try {
      const res = await fetch(hook.channel.config.uri, { method: 'GET', headers });
      answer = res.status === 200 ? await res.json() : undefined;
    } catch {
      answer = undefined;
    }
    if ((answer as { verification?: unknown } | undefined)?.verification !== challenge)
      return send(
        reply,
        400,
        okta.error('E0000001', 'Api validation failed: verify', [
          'Event hook verification failed: the endpoint did not echo the verification value',
        ]),
      );
    hook.verificationStatus = 'VERIFIED';
    send(reply, 200, hook);
  }

  function createHook(reply: FakeReply, body: unknown) {
    const b = (body ?? {}) as Partial<FakeEventHook>;
    const causes: string[] = [];
    if (typeof b.name !== 'string' || b.name === '')
      causes.push('name: The field cannot be left blank');
    if (!b.events || !Array.isArray(b.events.items) || b.events.items.length === 0)
      causes.push('events: The field cannot be left blank');
    if (!b.channel?.config?.uri) causes.push('channel.config.uri: The field cannot be left blank');
    if (causes.length > 0)
      return send(reply, 400, okta.error('E0000001', 'Api validation failed: eventHook', causes));
    const hook: FakeEventHook = {
      id: `who${randomBytes(8).toString('hex')}`,
      status: 'ACTIVE',
      verificationStatus: 'UNVERIFIED',
      name: b.name!,
      events: b.events!,
      channel: b.channel!,
    };
    hooks.set(hook.id, hook);
    send(reply, 200, hook);
  }

  const fake = await startFake(async (req, reply) => {
    if (req.headers.authorization !== `SSWS ${options.apiToken}`)
      return send(reply, 401, okta.error('E0000011', 'Invalid token provided'));
    const p = req.path;
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && p === '/api/v1/users/me') return send(reply, 200, admin);
    if (req.method === 'GET' && p === '/api/v1/users') {
      const search = req.query.get('search');
      const limit = Number(req.query.get('limit') ?? '200');
      let list = [...users.values()];
      if (search !== null) {
        const terms = [...search.matchAll(SEARCH_TERM)].map((t) => ({
          field: t[1] as 'login' | 'email',
          value: t[2]!.replace(/\\(.)/g, '$1'),
        }));
        if (terms.length === 0)
          return send(reply, 400, okta.error('E0000031', 'Invalid search criteria.'));
        list = list.filter((u) => terms.some((t) => u.profile[t.field] === t.value));
      }
      return send(reply, 200, list.slice(0, limit));
    }
    if ((m = /^\/api\/v1\/users\/([^/]+)$/.exec(p)) && req.method === 'GET') {
      const user = find(decodeURIComponent(m[1]!));
      return user ? send(reply, 200, user) : notFound(reply, decodeURIComponent(m[1]!));
    }
    if ((m = /^\/api\/v1\/users\/([^/]+)\/lifecycle\/(suspend|unsuspend)$/.exec(p))) {
      if (req.method !== 'POST')
        return send(
          reply,
          405,
          okta.error('E0000022', 'The endpoint does not support the provided HTTP method'),
        );
      const user = users.get(decodeURIComponent(m[1]!));
      if (!user) return notFound(reply, decodeURIComponent(m[1]!));
      return m[2] === 'suspend'
        ? transition(reply, user, 'ACTIVE', 'SUSPENDED', 'suspend')
        : transition(reply, user, 'SUSPENDED', 'ACTIVE', 'unsuspend');
    }
    if (p === '/api/v1/eventHooks' && req.method === 'GET')
      return send(reply, 200, [...hooks.values()]);
    if (p === '/api/v1/eventHooks' && req.method === 'POST') return createHook(reply, req.json);
    if (
      (m = /^\/api\/v1\/eventHooks\/([^/]+)\/lifecycle\/verify$/.exec(p)) &&
      req.method === 'POST'
    ) {
      const hook = hooks.get(m[1]!);
      if (!hook)
        return send(
          reply,
          404,
          okta.error('E0000007', `Not found: Resource not found: ${m[1]} (EventHook)`),
        );
      return verifyHook(reply, hook);
    }
    send(reply, 404, okta.error('E0000007', `Not found: Resource not found: ${p}`));
  });

  return Object.assign(fake, {
    users,
    hooks,
    addUser(login: string, status = 'ACTIVE', email = login) {
      const user: FakeOktaUser = {
        id: `00u${randomBytes(8).toString('hex')}`,
        status,
        transitioningToStatus: null,
        created: iso(),
        lastUpdated: iso(),
        statusChanged: null,
        profile: { login, email, firstName: 'Ana', lastName: 'Ruiz' },
      };
      users.set(user.id, user);
      return user;
    },
    delivery(eventTypes: string[], user: FakeOktaUser) {
      const eventId = randomUUID();
      const body = JSON.stringify({
        eventType: 'com.okta.event_hook',
        eventTypeVersion: '1.0',
        cloudEventsVersion: '0.1',
        source: `${fake.url}/api/v1/eventHooks/who1`,
        eventId,
        eventTime: iso(),
        contentType: 'application/json',
        data: {
          events: eventTypes.map((eventType) => ({
            uuid: randomUUID(),
            published: iso(),
            eventType,
            version: '0',
            displayMessage: eventType,
            severity: 'INFO',
            actor: { id: admin.id, type: 'User', alternateId: admin.profile.login },
            outcome: { result: 'SUCCESS' },
            target: [
              {
                id: user.id,
                type: 'User',
                alternateId: user.profile.login,
                displayName: 'Ana Ruiz',
              },
            ],
          })),
        },
      });
      return { body, eventId, headers: { 'content-type': 'application/json' } };
    },
    deliver(url: string, authorization: string, body: string) {
      return postCallback(url, body, { 'content-type': 'application/json', authorization });
    },
  });
}
