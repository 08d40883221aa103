/**
 * A local fake HTTP provider for dispatch tests: one `POST /messages` endpoint taking the
 * HTTP sender's JSON body (`{key, …}`).
 *
 * - It counts raw requests per outbox key, and *effects* per key: a request carrying an
 *   `Idempotency-Key` it has seen before has no new effect and gets the first answer again
 *   (as Stripe-style APIs do); a request without the header always has an effect.
 * - The effect happens when the request arrives, before the answer is written: with
 *   `delayMs`, a client killed while waiting leaves an effect it never heard about.
 * - `script` can answer a request differently (429 with Retry-After, 500, 400 …).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  key: string;
  idempotencyKey: string | null;
  /** `x-worker` header, when the client sends one. */
  worker: string | null;
  /** 1 for the first request of this key, 2 for the next … */
  n: number;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer after this long (overrides delayMs). */
  delayMs?: number;
}

export interface FakeProviderOptions {
  /** Wait this long after the effect before answering. */
  delayMs?: number;
  /** Called when a request arrives (after its effect, before the answer). */
  onRequest?: (request: FakeRequest) => void;
  /** An answer of its own for a request; undefined → 201 `{id}`. A scripted answer has no effect. */
  script?: (request: FakeRequest) => ScriptedAnswer | undefined;
}

export interface FakeProvider {
  url: string;
  /** Raw requests per key. */
  readonly requests: Map<string, number>;
  /** Effects per key (what the tenant would have received). */
  readonly effects: Map<string, number>;
  readonly log: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests = new Map<string, number>();
  const effects = new Map<string, number>();
  const answered = new Map<string, ScriptedAnswer>();
  const log: FakeRequest[] = [];
  let ids = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // an empty or broken body has no key
      }
      const key = typeof body.key === 'string' ? body.key : '';
      const n = (requests.get(key) ?? 0) + 1;
      requests.set(key, n);
      const header = req.headers['idempotency-key'];
      const request: FakeRequest = {
        key,
        idempotencyKey: typeof header === 'string' ? header : null,
        worker: typeof req.headers['x-worker'] === 'string' ? req.headers['x-worker'] : null,
        n,
        body,
        headers: req.headers,
      };
      log.push(request);
      const scripted = options.script?.(request);
      let answer: ScriptedAnswer;
      if (scripted) answer = scripted;
      else if (request.idempotencyKey !== null && answered.has(request.idempotencyKey))
        answer = answered.get(request.idempotencyKey)!;
      else {
        effects.set(key, (effects.get(key) ?? 0) + 1);
        answer = { status: 201, body: { id: `fk_${++ids}`, key } };
        if (request.idempotencyKey !== null) answered.set(request.idempotencyKey, answer);
      }
      options.onRequest?.(request);
      const write = () => {
        if (res.destroyed || req.socket.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      const delay = answer.delayMs ?? options.delayMs ?? 0;
      if (delay > 0) setTimeout(write, delay);
      else write();
    });
  });
  // A client killed while waiting resets its connection: nothing to answer then.
  server.on('connection', (socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/messages`,
    requests,
    effects,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
