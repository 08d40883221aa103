/**
 * `/api/v1/demo` (only in `arrears demo`): the demo clock. GET says what day it is; POST
 * `/demo/advance {days}` moves the clock forward, runs the scan and a dispatch pass, so a
 * visitor watches escalation happen day by day (and a payment stop it).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';

export interface DemoControls {
  today(): string;
  offsetDays(): number;
  advance(days: number): Promise<{ scan: Record<string, number>; dispatched: number }>;
}

const api = provided<DemoControls>('arrearsDemo');
export const provideDemoApi = api.provide;

export const demoRoutes: FastifyPluginAsync = async (app: FastifyInstance) => {
  app.get(
    '/demo',
    {
      schema: {
        summary: 'The demo clock (only when the server runs `arrears demo`)',
        tags: ['demo'],
        response: {
          200: {
            type: 'object',
            properties: {
              enabled: { type: 'boolean' },
              today: { type: 'string' },
              offsetDays: { type: 'integer' },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const demo = api.of(app);
      if (!demo) return sendProblem(reply, problem('not_found', 'this server is not a demo'));
      return { enabled: true, today: demo.today(), offsetDays: demo.offsetDays() };
    },
  );

  app.post<{ Body: { days: number } }>(
    '/demo/advance',
    {
      preHandler: requireRole('manager', 'collections'),
      schema: {
        summary: 'Move the demo clock forward, then scan and dispatch',
        tags: ['demo'],
        body: {
          type: 'object',
          required: ['days'],
          additionalProperties: false,
          properties: { days: { type: 'integer', minimum: 1, maximum: 31 } },
        },
      },
    },
    async (request, reply) => {
      const demo = api.of(app);
      if (!demo) return sendProblem(reply, problem('not_found', 'this server is not a demo'));
      const result = await demo.advance(request.body.days);
      return { today: demo.today(), offsetDays: demo.offsetDays(), ...result };
    },
  );
};
