/**
 * RFC 9457 problem details: every error the HTTP API answers is `application/problem+json`
 * `{type, title, status, detail, errors?, requestId}`. The types are the error catalogue's
 * codes (domain/errors.ts) plus the few that only HTTP has; `/docs` lists them all.
 */
import type { FastifyReply } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode } from '../domain/errors.js';

/** Problems of inbound webhooks. */
const WEBHOOK_PROBLEMS = {
  webhook_signature_invalid: { http: 401, title: 'The webhook signature does not verify' },
  webhook_not_configured: { http: 503, title: 'The webhook has no signing secret configured' },
  webhook_in_progress: { http: 409, title: 'This webhook event is being handled' },
} as const;

/** Protocol-level problems that exist only over HTTP (the CLI never meets them). */
const GENERIC_HTTP_PROBLEMS = {
  method_not_allowed: { http: 405, title: 'Method not allowed' },
  payload_too_large: { http: 413, title: 'The request body is too large' },
  unsupported_media_type: { http: 415, title: 'Unsupported content type' },
  too_many_requests: { http: 429, title: 'Too many requests' },
  unavailable: { http: 503, title: 'Temporarily unavailable' },
} as const;

export type ProblemCode =
  ErrorCode | keyof typeof GENERIC_HTTP_PROBLEMS | keyof typeof WEBHOOK_PROBLEMS;

/** Every problem type the API answers with (listed on `/docs`). */
export const PROBLEM_TYPES: Record<ProblemCode, { http: number; title: string }> = {
  ...ERROR_CATALOGUE,
  ...GENERIC_HTTP_PROBLEMS,
  ...WEBHOOK_PROBLEMS,
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The `type` URI of a problem code: stable, absolute, documented at `/docs#problem-{code}`. */
export function problemType(code: ProblemCode): string {
  return `urn:arrears:problem:${code}`;
}

export interface ProblemError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ProblemError[];
  requestId?: string;
  [extension: string]: unknown;
}

export function problem(
  code: ProblemCode,
  detail: string,
  extra: { errors?: ProblemError[]; [extension: string]: unknown } = {},
): Problem {
  const entry = PROBLEM_TYPES[code];
  return { type: problemType(code), title: entry.title, status: entry.http, detail, ...extra };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply
    .code(body.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...body, requestId: reply.request.id });
}

/** The problem code of a bare status (Fastify's own errors): catalogue first, else generic. */
export function codeForStatus(status: number): ProblemCode {
  const generic = { ...ERROR_CATALOGUE, ...GENERIC_HTTP_PROBLEMS };
  const found = Object.entries(generic).find(([, entry]) => entry.http === status);
  if (found) return found[0] as ProblemCode;
  return status >= 500 ? 'runtime' : 'invalid_input';
}

/** JSON schema of a problem, for the OpenAPI document. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'urn:arrears:problem:{code}' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Every problem found in the input (up to 50), each with where it is.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
    requestId: { type: 'string', description: 'Quote it when reporting a problem.' },
  },
} as const;
