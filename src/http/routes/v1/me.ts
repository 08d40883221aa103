/** `GET /api/v1/me`: who the token stands for. */
import type { FastifyInstance } from 'fastify';
import { READ_ONLY_ROLES, ROLES } from '../../../app/ports/auth.js';
import { principalOf } from '../../auth.js';

const ME_SCHEMA = {
  type: 'object',
  required: ['userId', 'email', 'role', 'orgId', 'readOnly'],
  properties: {
    userId: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    orgId: { type: 'string', description: 'Every request acts within this organisation.' },
    readOnly: { type: 'boolean', description: 'True for the owner and auditor roles.' },
  },
} as const;

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/me',
    {
      schema: {
        summary: 'The caller: user, role and organisation',
        tags: ['account'],
        response: { 200: ME_SCHEMA },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return {
        userId: p.userId,
        email: p.email,
        role: p.role,
        orgId: p.orgId,
        readOnly: READ_ONLY_ROLES.includes(p.role),
      };
    },
  );
}
