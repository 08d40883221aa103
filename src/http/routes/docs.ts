/**
 * `GET /api/v1/openapi.json` (the generated OpenAPI 3.1 document) and `GET /docs` (a
 * self-contained HTML page listing the operations and the problem types; no CDN, no
 * script). Both are public; the document is built once, after every route is registered.
 */
import type { FastifyInstance } from 'fastify';
import { buildOpenApi, type CollectedRoute, type OpenApiDocument } from '../openapi.js';
import { PROBLEM_TYPES, problemType, type ProblemCode } from '../problem.js';

export interface DocsDeps {
  routes: () => readonly CollectedRoute[];
  publicUrl?: string;
}

export async function docsRoutes(app: FastifyInstance, deps: DocsDeps): Promise<void> {
  let document: OpenApiDocument | undefined;
  const openApi = () => (document ??= buildOpenApi(deps.routes(), { publicUrl: deps.publicUrl }));

  app.get(
    '/api/v1/openapi.json',
    {
      schema: {
        summary: 'This OpenAPI 3.1 document',
        tags: ['docs'],
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(JSON.stringify(openApi())),
  );

  app.get('/docs', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(renderDocs(openApi())),
  );
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
}

/** The HTML of `/docs`: operations grouped by tag, then the problem types. */
export function renderDocs(doc: OpenApiDocument): string {
  const groups = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods as Record<string, Operation>)) {
      const tag = op.tags?.[0] ?? 'other';
      const row =
        `<tr><td class="m">${escape(method.toUpperCase())}</td><td><code>${escape(path)}</code></td>` +
        `<td>${escape(op.summary ?? '')}${op.description ? `<br><small>${escape(op.description)}</small>` : ''}</td>` +
        `<td>${op.security ? 'API token' : 'public'}</td></tr>`;
      groups.set(tag, [...(groups.get(tag) ?? []), row]);
    }
  const sections = [...groups]
    .map(
      ([tag, rows]) =>
        `<h2>${escape(tag)}</h2>\n<table><thead><tr><th>method</th><th>path</th><th>what</th><th>auth</th></tr></thead>\n<tbody>${rows.join('\n')}</tbody></table>`,
    )
    .join('\n');
  const problems = (
    Object.entries(PROBLEM_TYPES) as [ProblemCode, { http: number; title: string }][]
  )
    .map(
      ([code, p]) =>
        `<tr id="problem-${escape(code)}"><td><code>${escape(problemType(code))}</code></td><td>${p.http}</td><td>${escape(p.title)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border-bottom:1px solid #d8dee4;padding:.35rem .5rem;text-align:left;vertical-align:top}
td.m{font-weight:600;font-family:ui-monospace,monospace}
code{font-family:ui-monospace,monospace;font-size:.92em}
small{color:#57606a}
</style>
</head>
<body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a> (OpenAPI ${escape(doc.openapi)}).</p>
${sections}
<h2>Problem types</h2>
<p>Errors are <code>application/problem+json</code> (RFC 9457) with <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> and, for invalid input, <code>errors: [{path, message}]</code>.</p>
<table><thead><tr><th>type</th><th>status</th><th>title</th></tr></thead>
<tbody>${problems}</tbody></table>
</body>
</html>
`;
}
