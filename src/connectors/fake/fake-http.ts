/**
 * The toolkit local fake providers are built on (tests and the demo): a real HTTP server on
 * 127.0.0.1, every request recorded with its raw body, and fault modes a test switches on —
 * the next N requests answered 429 (with `Retry-After`) or 5xx, or held past a timeout.
 *
 *   const fake = await startFake((req, res) => { … res.json(201, {...}) });
 *   fake.failNext(1, 429, { 'retry-after': '0' });
 *   … fake.requests[0].form.To …
 *   await fake.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  /** Parsed JSON body, else undefined. */
  json: unknown;
  /** Parsed form body (last value per key), else {}. */
  form: Record<string, string>;
  /** Every value per form key (repeated keys). */
  formAll: URLSearchParams;
}

export interface FakeReply {
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  text(status: number, body: string, contentType?: string, headers?: Record<string, string>): void;
  empty(status: number, headers?: Record<string, string>): void;
}

export type FakeHandler = (req: FakeRequest, reply: FakeReply) => void | Promise<void>;

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Only requests whose path matches (default: all). */
  path?: RegExp;
}

export interface FakeServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request received, faults included. */
  requests: FakeRequest[];
  /** Answer the next `times` requests (matching `fault.path`) with this fault. */
  failNext(times: number, status: number, headers?: Record<string, string>, body?: unknown): void;
  fault(times: number, fault: Fault): void;
  /** Hold the next `times` requests without answering for `ms` (a provider timeout). */
  stallNext(times: number, ms: number): void;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseFakeRequest(req: IncomingMessage, raw: Buffer): FakeRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  let json: unknown;
  if (type.includes('json') && raw.length > 0) {
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      json = undefined;
    }
  }
  const formAll =
    type === 'application/x-www-form-urlencoded'
      ? new URLSearchParams(raw.toString('utf8'))
      : new URLSearchParams();
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    raw,
    json,
    form: Object.fromEntries(formAll),
    formAll,
  };
}

function replier(res: ServerResponse): FakeReply {
  return {
    json(status, body, headers = {}) {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    },
    text(status, body, contentType = 'text/plain', headers = {}) {
      res.writeHead(status, { 'content-type': contentType, ...headers });
      res.end(body);
    },
    empty(status, headers = {}) {
      res.writeHead(status, headers);
      res.end();
    },
  };
}

export async function startFake(handler: FakeHandler, port = 0): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const faults: { fault: Fault; left: number }[] = [];
  const stalls: { ms: number; left: number }[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await read(req);
      const request = parseFakeRequest(req, raw);
      requests.push(request);
      const stall = stalls.find((s) => s.left > 0);
      if (stall) {
        stall.left--;
        await new Promise((r) => setTimeout(r, stall.ms));
        if (res.destroyed) return;
      }
      const f = faults.find(
        (x) => x.left > 0 && (!x.fault.path || x.fault.path.test(request.path)),
      );
      if (f) {
        f.left--;
        replier(res).json(
          f.fault.status,
          f.fault.body ?? { message: 'fault injected' },
          f.fault.headers,
        );
        return;
      }
      await handler(request, replier(res));
    })().catch((error: unknown) => {
      if (!res.headersSent) replier(res).json(500, { message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    failNext(times, status, headers, body) {
      faults.push({ fault: { status, headers, body }, left: times });
    },
    fault(times, fault) {
      faults.push({ fault, left: times });
    },
    stallNext(times, ms) {
      stalls.push({ ms, left: times });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Posts a callback from a fake to the app under test (status callbacks, inbound messages). */
export async function postCallback(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text() };
}
