/**
 * Structured JSON logs (pino, through Fastify's logger). Secrets never reach a log line:
 * any field whose name says token, secret, password, authorization, cookie, api key or
 * signature is replaced by `[redacted]` at any depth, query parameters with such names are
 * masked in logged URLs, and request and response bodies are never logged.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Fastify's logger options (pino options included). */
export type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

export const REDACTED = '[redacted]';

const SENSITIVE = /token|secret|passw|authori[sz]ation|cookie|api[-_]?key|signature|credential/i;
const MAX_DEPTH = 8;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.test(key);
}

/** A copy of `value` with sensitive fields redacted; only plain objects and arrays are walked. */
export function scrub(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = isSensitiveKey(k) ? REDACTED : scrub(v, depth + 1);
  return out;
}

/** `/x?token=abc&a=1` → `/x?token=[redacted]&a=1`. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeURIComponentSafe(eq < 0 ? pair : pair.slice(0, eq));
      return eq >= 0 && isSensitiveKey(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** What the app logs to: a level and a stream (default: stdout). */
export interface LogOptions {
  level?: string;
  /** Anything with `write(line)`; each line is one JSON object. */
  stream?: { write(line: string): void };
}

/** Fastify logger options with the redaction above. */
export function loggerOptions(options: LogOptions): LoggerOptions {
  return {
    level: options.level ?? 'info',
    ...(options.stream ? { stream: options.stream } : {}),
    formatters: {
      log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown>,
    },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: scrubUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
      }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      err: (err: Error) => {
        const out = scrub(serializeError(err)) as Record<string, unknown>;
        return { ...out, type: err.name, message: err.message, stack: err.stack ?? '' };
      },
    },
  };
}

/** Name, message, stack, own primitive or plain fields, and the cause chain of an error. */
function serializeError(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  for (const [k, v] of Object.entries(err)) {
    if (k in out) continue;
    // Objects an error drags along (requests, sockets, clients) may hold credentials.
    const plain =
      v === null ||
      typeof v !== 'object' ||
      Array.isArray(v) ||
      Object.getPrototypeOf(v) === Object.prototype;
    out[k] = plain ? v : `[${(v as object).constructor?.name ?? 'object'}]`;
  }
  if (err.cause instanceof Error && depth < 4) out.cause = serializeError(err.cause, depth + 1);
  return out;
}
