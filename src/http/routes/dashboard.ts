/**
 * The dashboard (SPEC 10): the built single-page app (dist/web) at `/`. A path that names a
 * file serves it (hashed assets cached for a year); any other GET outside the API falls
 * back to index.html so client routes such as /cases/L1 load on refresh. Paths never leave
 * the root (`..` and encoded escapes are refused), and every page gets a strict CSP.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { problem, sendProblem } from '../problem.js';

export interface DashboardOptions {
  /** Directory holding index.html and assets/. */
  root: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const NOT_PAGES = /^\/(api|webhooks|healthz|readyz|metrics|docs|unsubscribe|handoffs)(\/|$)/;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine sets style attributes at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin');
}

export async function dashboardRoutes(
  app: FastifyInstance,
  options: DashboardOptions,
): Promise<void> {
  const root = resolve(options.root);
  const index = join(root, 'index.html');

  async function fileFor(urlPath: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const file = resolve(root, `.${decoded}`);
    if (file !== root && !file.startsWith(root + sep)) return undefined;
    try {
      return (await stat(file)).isFile() ? file : undefined;
    } catch {
      return undefined;
    }
  }

  const serve = async (path: string, reply: FastifyReply) => {
    if (NOT_PAGES.test(path))
      return sendProblem(reply, problem('not_found', `no route GET ${path}`));
    const file = path === '/' ? undefined : await fileFor(path);
    if (file) {
      const immutable = path.startsWith('/assets/');
      return pageHeaders(reply)
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .type(TYPES[extname(file)] ?? 'application/octet-stream')
        .send(await readFile(file));
    }
    if (extname(path) !== '' && path !== '/')
      return sendProblem(reply, problem('not_found', `no file ${path}`));
    let html: Buffer;
    try {
      html = await readFile(index);
    } catch {
      return sendProblem(
        reply,
        problem('unavailable', 'the dashboard is not built; run `npm run build`'),
      );
    }
    return pageHeaders(reply).header('cache-control', 'no-cache').type(TYPES['.html']!).send(html);
  };

  app.get('/', { schema: { hide: true } }, (_request, reply) => serve('/', reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) =>
    serve(request.url.split('?')[0]!, reply),
  );
}
