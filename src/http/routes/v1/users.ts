/**
 * Staff users of the caller's organisation (SPEC 9 `arrears user add / list`, 10 roles):
 *
 *   GET  /api/v1/users?cursor=&limit=    users, oldest first (admin, manager)
 *   POST /api/v1/users  {email, role, name?}   create a user (admin only)
 *
 * The same store call as `arrears user add` (storage/repos/users-repo.ts `addUser`): the
 * e-mail is stored lower-case and unique in the organisation (409 when taken), the addition
 * is audited (`user.added`) with the calling admin as actor, and the shapes are those of
 * `arrears user add --json` / `user list --json`. Users have no name field yet, so a `name`
 * is accepted but not stored, and the answer says so in `warnings`. Stores come through
 * `provideUsersApi(deps)`; without it these answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { ROLES } from '../../../app/ports/auth.js';
import type { User, UserStore } from '../../../app/ports/users.js';
import { InputError } from '../../../domain/errors.js';
import { principalOf, requireRole } from '../../auth.js';
import { pageOf, pageRequest, PAGE_QUERY_SCHEMA } from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';

export interface UsersApiDeps {
  users: Pick<UserStore, 'list' | 'addUser'>;
}

const api = provided<UsersApiDeps>('arrearsUsersApi');

/** Hands the users API its store (register before API_V1_ROUTES). */
export const provideUsersApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('manager');
const ADMINS = requireRole();

const unavailable = problem(
  'unavailable',
  'users are not wired into this server (see provideUsersApi)',
);

const USER_PROPERTIES = {
  id: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string', enum: [...ROLES] },
  createdAt: { type: 'string' },
} as const;

const USER_SCHEMA = {
  type: 'object',
  required: ['id', 'email', 'role', 'createdAt'],
  properties: USER_PROPERTIES,
} as const;

const userJson = (u: User) => ({ id: u.id, email: u.email, role: u.role, createdAt: u.createdAt });

/** The store's messages name CLI arguments; over HTTP they are body fields. */
const FIELD: Record<string, string> = { EMAIL: 'body.email', '--role': 'body.role' };

export const usersRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/users',
    {
      schema: {
        summary: 'Users',
        description: 'Every user of the organisation, oldest first (`arrears user list --json`).',
        tags: ['account'],
        querystring: PAGE_QUERY_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: USER_SCHEMA },
              nextCursor: { type: ['string', 'null'] },
            },
          },
        },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const page = pageRequest(request.query);
      const k = page.after;
      if (
        k !== undefined &&
        !(
          Array.isArray(k) &&
          k.length === 2 &&
          typeof k[0] === 'string' &&
          typeof k[1] === 'string'
        )
      )
        throw new InputError([
          {
            path: 'query.cursor',
            message: 'is not a cursor of this list; pass `nextCursor` unchanged',
          },
        ]);
      const after = k as [string, string] | undefined;
      const users = (await deps.users.list(principalOf(request).orgId))
        .map(userJson)
        .sort((a, b) =>
          a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : 1,
        )
        .filter(
          (u) => !after || u.createdAt > after[0] || (u.createdAt === after[0] && u.id > after[1]),
        );
      return pageOf(users.slice(0, page.limit + 1), page, (u) => [u.createdAt, u.id]);
    },
  );

  app.post<{ Body: { email: string; role: string; name?: string } }>(
    '/users',
    {
      schema: {
        summary: 'Add a user',
        description:
          'Creates a user with a role (`arrears user add EMAIL --role R`); the first user of ' +
          'an organisation is always an admin (`requestedRole` then says what was asked). ' +
          '409 when the e-mail is taken. `name` is not stored yet (see `warnings`).',
        tags: ['account'],
        body: {
          type: 'object',
          required: ['email', 'role'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 320 },
            role: { type: 'string', enum: [...ROLES] },
            name: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['id', 'email', 'role', 'createdAt'],
            properties: {
              ...USER_PROPERTIES,
              requestedRole: { type: 'string', enum: [...ROLES] },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
      preHandler: ADMINS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const p = principalOf(request);
      const { email, role, name } = request.body;
      let added;
      try {
        added = await deps.users.addUser(p.orgId, email, role, `user:${p.userId}`);
      } catch (e) {
        if (e instanceof InputError)
          throw new InputError(e.issues.map((i) => ({ ...i, path: FIELD[i.path] ?? i.path })));
        throw e;
      }
      return reply.code(201).send({
        ...userJson(added.user),
        ...(added.requestedRole ? { requestedRole: added.requestedRole } : {}),
        ...(name !== undefined
          ? { warnings: ['`name` was not stored: users have no name field yet'] }
          : {}),
      });
    },
  );
};
