/**
 * One error handler for the whole app: whatever a route throws becomes RFC 9457 problem
 * details. InputError, zod and schema-validation failures are `invalid_input` with every
 * field named in `errors`; AppError codes go through the error catalogue; Fastify's own
 * 4xx keep their status; anything else is a 500 whose detail reveals nothing.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, InputError, MAX_REPORTED_ISSUES, type InputIssue } from '../domain/errors.js';
import { formatPath, zodIssuesToInputIssues, type PathSegment } from '../domain/validation.js';
import { codeForStatus, problem, sendProblem, type Problem, type ProblemError } from './problem.js';

/** Where in the request a value came from; the first segment of every error path. */
export type RequestPart = 'body' | 'query' | 'params' | 'headers';

/** Parses `value` (a part of the request) with a zod schema; InputError naming each field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: RequestPart,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssuesToInputIssues(result.error.issues, { input: value, schema });
  throw new InputError(issues.map((i) => ({ ...i, path: underPart(part, i.path) })));
}

function underPart(part: RequestPart, path: string): string {
  if (path === '' || path === '(top level)') return part;
  return path.startsWith('[') ? `${part}${path}` : `${part}.${path}`;
}

const PARTS: Record<string, RequestPart> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Fastify's JSON-schema validation errors, one per field. */
function validationErrors(error: FastifyError): ProblemError[] {
  const part = PARTS[error.validationContext ?? ''] ?? 'body';
  return (error.validation as AjvError[]).slice(0, MAX_REPORTED_ISSUES).map((v) => {
    const segments: PathSegment[] = (v.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const missing = v.params?.missingProperty ?? v.params?.additionalProperty;
    if (typeof missing === 'string') segments.push(missing);
    const message =
      v.keyword === 'required'
        ? 'is required'
        : v.keyword === 'additionalProperties'
          ? 'is not a known field'
          : (v.message ?? 'is not valid');
    return { path: underPart(part, formatPath(segments)), message };
  });
}

function issuesToErrors(issues: readonly InputIssue[]): ProblemError[] {
  return issues.map((i) => ({
    path: i.file ? `${i.file}: ${i.path}` : i.path,
    message: i.message,
  }));
}

function invalid(errors: ProblemError[]): Problem {
  const n = errors.length;
  const shown = errors
    .slice(0, 3)
    .map((e) => `${e.path}: ${e.message}`)
    .join('; ');
  return problem(
    'invalid_input',
    `${n} problem${n === 1 ? '' : 's'} in the request: ${shown}${n > 3 ? '; …' : ''}`,
    { errors },
  );
}

/** The problem an error stands for, and whether it is a bug (logged with its stack). */
export function toProblem(error: unknown): { body: Problem; bug: boolean } {
  if (error instanceof InputError)
    return { body: invalid(issuesToErrors(error.issues)), bug: false };
  if (error instanceof z.ZodError) {
    const issues = zodIssuesToInputIssues(error.issues, { input: undefined });
    return { body: invalid(issuesToErrors(issues)), bug: false };
  }
  if (error instanceof AppError) {
    if (error.code === 'runtime') return { body: problem('runtime', error.message), bug: true };
    return { body: problem(error.code, error.message), bug: false };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation))
    return { body: invalid(validationErrors(error as FastifyError)), bug: false };
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const body = problem(codeForStatus(status), fastifyError.message ?? 'Bad request');
    return { body: { ...body, status }, bug: false };
  }
  return {
    body: problem('runtime', 'The server could not complete the request; it has been logged.'),
    bug: true,
  };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { body, bug } = toProblem(error);
    if (bug) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: body.type, status: body.status }, body.title);
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`),
    ),
  );
}
