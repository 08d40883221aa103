/**
 * Zapier, both sides of a REST hook trigger (reference §8), for tests and the demo:
 *
 * - the hook host: `POST /hooks/catch/<account>/<hook>/` records the JSON it is given and
 *   answers 200 with a small receipt; a target whose Zap is off (or was unsubscribed)
 *   answers 410 Gone; `failNext(1, 429, {'retry-after': '…'})` throttles like Zapier;
 *   `GET /` answers, for `connectors test zapier`;
 * - the Zap: `zap(api, token)` calls our `/api/v1/hooks` the way performSubscribe,
 *   performUnsubscribe and performList do, through `app.inject` (`injectApi`) or HTTP
 *   (`httpApi`).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { startFake, type FakeServer } from '../fake/fake-http.js';

export interface ApiAnswer {
  status: number;
  json: unknown;
}

/** Calls our API as Zapier does (method, path under the server, JSON body, bearer token). */
export type ApiCaller = (request: {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  token: string;
  body?: unknown;
}) => Promise<ApiAnswer>;

export function injectApi(app: FastifyInstance): ApiCaller {
  return async ({ method, path, token, body }) => {
    const res = await app.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, json: res.body === '' ? undefined : res.json() };
  };
}

export function httpApi(baseUrl: string): ApiCaller {
  return async ({ method, path, token, body }) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
}

/** One Zap with a REST hook trigger on one event. */
export interface FakeZap {
  readonly targetUrl: string;
  /** What performSubscribe kept (`bundle.subscribeData`), once subscribed. */
  subscribeData: { id: string; target_url: string; event: string } | null;
  subscribe(event: string): Promise<ApiAnswer>;
  /** Unsubscribes (the Zap is turned off): its target answers 410 from then on. */
  unsubscribe(): Promise<ApiAnswer>;
  /** performList: the sample the Zap editor shows. */
  sample(event: string): Promise<ApiAnswer>;
  /** The events this Zap's target accepted, in order. */
  readonly caught: unknown[];
}

export interface ZapierFake extends FakeServer {
  /** A new Zap whose requests go to our API through `api` with `token`. */
  zap(api: ApiCaller, token: string): FakeZap;
  /** Turns a target off without telling us: it answers 410 Gone from now on. */
  turnOff(targetUrl: string): void;
  /** Accepted events per target path. */
  caught: Map<string, unknown[]>;
}

const ACCOUNT = '4815162';

export async function startZapierFake(): Promise<ZapierFake> {
  const caught = new Map<string, unknown[]>();
  const off = new Set<string>();
  const fake = await startFake((req, reply) => {
    if (req.method === 'GET' && req.path === '/') return reply.json(200, { status: 'ok' });
    const hook = /^\/hooks\/catch\/\d+\/[A-Za-z0-9]+\/?$/.test(req.path);
    if (!hook) return reply.json(404, { status: 'error', message: 'no such hook' });
    const path = req.path.replace(/\/?$/, '/');
    if (off.has(path)) return reply.json(410, { status: 'error', message: 'hook is gone' });
    if (req.method !== 'POST') return reply.json(405, { status: 'error' });
    const list = caught.get(path) ?? [];
    list.push(req.json ?? req.raw.toString('utf8'));
    caught.set(path, list);
    reply.json(200, {
      status: 'success',
      attempt: randomUUID(),
      id: randomUUID(),
      request_id: randomUUID().slice(0, 16),
    });
  });
  const pathOf = (url: string) => new URL(url).pathname.replace(/\/?$/, '/');

  return Object.assign(fake, {
    caught,
    turnOff(targetUrl: string) {
      off.add(pathOf(targetUrl));
    },
    zap(api: ApiCaller, token: string): FakeZap {
      const hookId = randomUUID().replace(/-/g, '').slice(0, 8);
      const targetUrl = `${fake.url}/hooks/catch/${ACCOUNT}/${hookId}/`;
      const zap: FakeZap = {
        targetUrl,
        subscribeData: null,
        get caught() {
          return caught.get(pathOf(targetUrl)) ?? [];
        },
        async subscribe(event) {
          const answer = await api({
            method: 'POST',
            path: '/api/v1/hooks',
            token,
            body: { target_url: targetUrl, event },
          });
          if (answer.status === 201) zap.subscribeData = answer.json as FakeZap['subscribeData'];
          return answer;
        },
        async unsubscribe() {
          off.add(pathOf(targetUrl));
          if (!zap.subscribeData) throw new Error('this zap never subscribed');
          return api({
            method: 'DELETE',
            path: `/api/v1/hooks/${encodeURIComponent(zap.subscribeData.id)}`,
            token,
          });
        },
        sample: (event) =>
          api({
            method: 'GET',
            path: `/api/v1/hooks/sample?event=${encodeURIComponent(event)}`,
            token,
          }),
      };
      return zap;
    },
  });
}
