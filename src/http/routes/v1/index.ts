/**
 * The resources of `/api/v1`, each a Fastify plugin registered behind authentication
 * (`principalOf(request)` is the caller; scope every read and write to its `orgId`). Add
 * new resources here, one file each under routes/v1/.
 */
import type { FastifyPluginAsync } from 'fastify';
import { auditRoutes } from './audit.js';
import { casesRoutes } from './cases.js';
import { connectorsRoutes } from './connectors.js';
import { eventsRoutes } from './events.js';
import { leasesRoutes } from './leases.js';
import { hooksRoutes } from './hooks.js';
import { meRoutes } from './me.js';
import { policiesRoutes } from './policies.js';
import { queueRoutes } from './queue.js';
import { repliesRoutes } from './replies.js';
import { reportsRoutes } from './reports.js';
import { tasksRoutes } from './tasks.js';
import { usersRoutes } from './users.js';

export type ApiRoutes = FastifyPluginAsync;

export const API_V1_ROUTES: readonly ApiRoutes[] = [
  meRoutes,
  repliesRoutes,
  reportsRoutes,
  queueRoutes,
  casesRoutes,
  leasesRoutes,
  eventsRoutes,
  tasksRoutes,
  policiesRoutes,
  auditRoutes,
  usersRoutes,
  connectorsRoutes,
  hooksRoutes,
];
