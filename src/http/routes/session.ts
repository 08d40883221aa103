/**
 * `/api/v1/session` (SPEC 10): the dashboard's sign-in.
 *
 *   POST   {email, password, organisation?} → 200 {user, csrfToken} + HttpOnly session cookie
 *   GET    → the signed-in user and the CSRF token (401 when not signed in)
 *   DELETE → signs out (204) and clears the cookie
 *
 * Failed sign-ins are limited per e-mail and per client address (in this process): after
 * too many, 429 with Retry-After. Requests made with the cookie must carry the CSRF token in
 * `X-CSRF-Token` for anything but GET (http/auth.ts checks it).
 */
import type { FastifyInstance } from 'fastify';
import type { SessionStore } from '../../app/ports/auth.js';
import { SESSION_TTL_MS, signIn } from '../../app/sign-in.js';
import type { UserStore } from '../../app/ports/users.js';
import { cookieOf, SESSION_COOKIE, sessionCookie } from '../cookies.js';
import { problem, sendProblem } from '../problem.js';
import { createLoginLimiter, type LoginLimiter } from '../login-limiter.js';

export interface SessionRouteDeps {
  sessions: SessionStore;
  users: UserStore;
  now: () => number;
  /** Mark the cookie Secure (default: when ARREARS_PUBLIC_URL is https or the request is). */
  secureCookie?: boolean;
  limiter?: LoginLimiter;
}

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    organisation: { type: 'string' },
    propertyIds: { type: ['array', 'null'], items: { type: 'string' } },
  },
} as const;

const sessionSchema = {
  type: 'object',
  properties: { user: userSchema, csrfToken: { type: 'string' }, expiresAt: { type: 'string' } },
} as const;

export async function sessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): Promise<void> {
  const limiter = deps.limiter ?? createLoginLimiter(deps.now);
  const secure = (https: boolean) => deps.secureCookie ?? https;

  async function current(token: string | undefined) {
    if (!token) return null;
    const auth = await deps.sessions.authenticate(token);
    return auth && auth.ok ? { principal: auth.principal, csrfToken: auth.csrfToken ?? '' } : null;
  }

  app.post<{ Body: { email: string; password: string; organisation?: string } }>(
    '/session',
    {
      schema: {
        summary: 'Sign in to the dashboard',
        tags: ['session'],
        body: {
          type: 'object',
          required: ['email', 'password'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 320 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            organisation: { type: 'string', maxLength: 100 },
          },
        },
        response: { 200: sessionSchema },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const wait = limiter.blockedFor(email, request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        return sendProblem(
          reply,
          problem('too_many_requests', 'too many failed sign-ins; wait before trying again'),
        );
      }
      const result = await signIn(deps.sessions, {
        email,
        password: request.body.password,
        ...(request.body.organisation !== undefined ? { orgId: request.body.organisation } : {}),
      });
      if (!result.ok) {
        if (result.reason === 'choose_organisation')
          return sendProblem(
            reply,
            problem(
              'invalid_input',
              'this e-mail signs in to several organisations: name one in `organisation`',
              { errors: [{ path: 'body.organisation', message: 'required for this e-mail' }] },
            ),
          );
        limiter.failed(email, request.ip);
        request.log.warn({ ip: request.ip }, 'sign-in refused');
        return sendProblem(reply, problem('unauthorized', 'the e-mail or password is not right'));
      }
      limiter.succeeded(email, request.ip);
      const user = await deps.users.getById(result.orgId, result.userId);
      reply.header(
        'set-cookie',
        sessionCookie(result.session.token, {
          maxAgeSeconds: SESSION_TTL_MS / 1000,
          secure: secure(request.protocol === 'https'),
        }),
      );
      const propertyIds = user ? await deps.users.visiblePropertyIds(user) : null;
      return {
        user: {
          id: result.userId,
          email: user?.email ?? email,
          role: user?.role ?? 'auditor',
          organisation: result.orgId,
          propertyIds,
        },
        csrfToken: result.session.csrfToken,
        expiresAt: result.session.expiresAt,
      };
    },
  );

  app.get(
    '/session',
    {
      schema: {
        summary: 'The signed-in user and CSRF token',
        tags: ['session'],
        response: { 200: sessionSchema },
      },
    },
    async (request, reply) => {
      const s = await current(cookieOf(request.headers.cookie, SESSION_COOKIE));
      if (!s) return sendProblem(reply, problem('unauthorized', 'not signed in'));
      return {
        user: {
          id: s.principal.userId,
          email: s.principal.email,
          role: s.principal.role,
          organisation: s.principal.orgId,
          propertyIds: s.principal.propertyIds ?? null,
        },
        csrfToken: s.csrfToken,
      };
    },
  );

  app.delete(
    '/session',
    { schema: { summary: 'Sign out', tags: ['session'] } },
    async (request, reply) => {
      const token = cookieOf(request.headers.cookie, SESSION_COOKIE);
      const s = await current(token);
      if (s && request.headers['x-csrf-token'] !== s.csrfToken)
        return sendProblem(reply, problem('forbidden', 'sign-out needs the X-CSRF-Token header'));
      if (token) await deps.sessions.revoke(token);
      reply.header(
        'set-cookie',
        sessionCookie('', { maxAgeSeconds: 0, secure: secure(request.protocol === 'https') }),
      );
      return reply.code(204).send();
    },
  );
}
