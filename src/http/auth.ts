/**
 * Authentication for `/api/v1` (SPEC 10): `Authorization: Bearer <API token>` names a
 * user of one organisation with one role; every route behind it reads `principalOf(req)`
 * and scopes what it reads and writes to `principal.orgId`. Read-only roles (owner,
 * auditor) may only read. Failures are problem+json: 401 with `WWW-Authenticate` for a
 * missing or unknown token, 403 for a role that may not do this.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import {
  READ_ONLY_ROLES,
  type Authentication,
  type AuthPort,
  type Principal,
  type Role,
} from '../app/ports/auth.js';
import { cookieOf, SESSION_COOKIE } from './cookies.js';
import { AppError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (routes behind `registerAuth`); null elsewhere. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Set on every route behind `registerAuth` (the OpenAPI document reads it). */
    auth?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i;

/** Requires a valid API token on every route registered in `app` (an encapsulated plugin). */
export function registerAuth(app: FastifyInstance, auth: AuthPort): void {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    route.config = { ...(route.config ?? {}), auth: true };
  });
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const sessionToken = cookieOf(request.headers.cookie, SESSION_COOKIE);
    let result: Authentication;
    if ((header === undefined || header === '') && sessionToken && auth.sessions) {
      const session = await auth.sessions.authenticate(sessionToken);
      if (!session) throw new AppError('unauthorized', 'the session has ended; sign in again');
      // A cookie rides along on any request the browser makes, so a change needs the
      // session's CSRF token too (a cross-site form cannot read it).
      const csrf = request.headers['x-csrf-token'];
      if (
        session.ok &&
        !SAFE_METHODS.has(request.method) &&
        (typeof csrf !== 'string' || !safeEqual(csrf, session.csrfToken ?? ''))
      )
        throw new AppError(
          'forbidden',
          'a change made with the session cookie needs its CSRF token in `X-CSRF-Token`',
        );
      result = session;
    } else {
      if (header === undefined || header === '') {
        reply.header('www-authenticate', 'Bearer realm="arrears"');
        throw new AppError(
          'unauthorized',
          'this endpoint needs an API token: send `Authorization: Bearer <token>`',
        );
      }
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) {
        reply.header('www-authenticate', 'Bearer realm="arrears", error="invalid_request"');
        throw new AppError(
          'unauthorized',
          'the Authorization header must be `Bearer <token>` with an Arrears API token',
        );
      }
      result = await auth.authenticateToken(token);
    }
    if (!result.ok) {
      if (result.reason === 'no_role')
        throw new AppError('forbidden', 'the user of this token has no role Arrears knows');
      reply.header('www-authenticate', 'Bearer realm="arrears", error="invalid_token"');
      throw new AppError('unauthorized', 'the API token is not valid or has been revoked');
    }
    const principal = result.principal;
    if (!SAFE_METHODS.has(request.method) && READ_ONLY_ROLES.includes(principal.role))
      throw new AppError('forbidden', `the ${principal.role} role is read-only`);
    request.principal = principal;
    request.log = request.log.child({ userId: principal.userId, orgId: principal.orgId });
  });
}

/** The caller of a request behind `registerAuth`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.url} is not behind registerAuth`);
  return request.principal;
}

/** A preHandler allowing only `roles` (admins always). */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const { role } = principalOf(request);
    if (role !== 'admin' && !roles.includes(role))
      throw new AppError(
        'forbidden',
        `this needs the ${[...roles].join(' or ')} role, not ${role}`,
      );
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
