/**
 * The OpenAPI 3.1 document, generated from the routes themselves: every route registered
 * with a Fastify `schema` (summary, description, tags, params, querystring, body,
 * response) is collected by an `onRoute` hook and described, so the document cannot
 * drift from the code. A route with `schema.hide: true` is left out; one whose
 * `config.auth` is true is marked as needing a bearer token. Every operation documents
 * problem+json errors.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA } from './problem.js';

export const API_VERSION = '0.1.0';

declare module 'fastify' {
  /** Documentation keywords of a route schema (Fastify ignores them; the generator reads them). */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Leave the route out of the OpenAPI document. */
    hide?: boolean;
  }
}

/** Fields of a Fastify route schema the generator reads. */
export interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  hide?: boolean;
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
}

type JsonSchema = Record<string, unknown>;

export interface CollectedRoute {
  method: string;
  /** Fastify path (`/webhooks/:connector`). */
  url: string;
  schema: RouteSchema;
  auth: boolean;
}

/**
 * Starts collecting routes (call before registering any); the returned function lists
 * them. Read lazily: hooks of inner plugins (e.g. `registerAuth`) see a route after this.
 */
export function collectRoutes(app: FastifyInstance): () => CollectedRoute[] {
  const seen: RouteOptions[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    seen.push(route);
  });
  return () =>
    seen.flatMap((route) => {
      const schema = (route.schema ?? {}) as RouteSchema;
      if (schema.hide) return [];
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const auth = route.config?.auth === true;
      return methods
        .filter((method) => method !== 'HEAD')
        .map((method) => ({ method, url: route.url, schema, auth }));
    });
}

/** `/webhooks/:connector` → `/webhooks/{connector}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export interface OpenApiOptions {
  title?: string;
  /** The server's public base URL (`ARREARS_PUBLIC_URL`), listed under `servers`. */
  publicUrl?: string;
}

export function buildOpenApi(routes: readonly CollectedRoute[], options: OpenApiOptions = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) =>
    a.url === b.url ? a.method.localeCompare(b.method) : a.url < b.url ? -1 : 1,
  );
  for (const route of sorted) {
    const path = openApiPath(route.url);
    const s = route.schema;
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
    };
    const parameters = [...toParameters(s.params, 'path'), ...toParameters(s.querystring, 'query')];
    if (parameters.length > 0) operation.parameters = parameters;
    if (s.body)
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: s.body } },
      };
    operation.responses = toResponses(s.response);
    if (route.auth) operation.security = [{ bearerAuth: [] }];
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Arrears API',
      version: API_VERSION,
      description:
        'REST API of Arrears. Authenticate with `Authorization: Bearer <API token>`; every ' +
        "request acts within the caller's organisation. Lists are paginated with `limit` and " +
        'an opaque `cursor` (pass `nextCursor` back). Errors are RFC 9457 problem details.',
    },
    ...(options.publicUrl ? { servers: [{ url: options.publicUrl }] } : {}),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An Arrears API token.' },
      },
      schemas: { Problem: PROBLEM_SCHEMA },
      responses: {
        Problem: {
          description: 'An error, as RFC 9457 problem details.',
          content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;

function operationId(route: CollectedRoute): string {
  const words = route.url
    .split('/')
    .filter((w) => w !== '' && w !== 'api' && !/^v\d+$/.test(w))
    .map((w) => (w.startsWith(':') ? `by-${w.slice(1)}` : w))
    .join('-');
  const camel = `${route.method.toLowerCase()}-${words}`.replace(
    /[^A-Za-z0-9]+(.)?/g,
    (_m, c?: string) => (c ? c.toUpperCase() : ''),
  );
  return camel;
}

function toParameters(schema: JsonSchema | undefined, where: 'path' | 'query') {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function toResponses(response: Record<string, JsonSchema> | undefined) {
  const out: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response ?? {})) {
    const key = status.replace(/^(\d)xx$/i, '$1XX');
    const { description, content, ...rest } = schema as JsonSchema & {
      content?: Record<string, { schema: JsonSchema }>;
    };
    out[key] = {
      description: typeof description === 'string' ? description : 'OK',
      // Fastify's per-content-type form, or a JSON body.
      content: content ?? { 'application/json': { schema: rest } },
    };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'OK' };
  out.default = { $ref: '#/components/responses/Problem' };
  return out;
}
