/**
 * `GET /handoffs/{token}` (the legal hand-off's expiring link, SPEC 11 `legalzoom`): the
 * token is signed and names the packet's manifest.json by its sha256 and an expiry; the
 * route answers the manifest with a link per file, and `GET /handoffs/{token}/files/{sha256}`
 * serves a file only when that manifest lists it. A forged, altered or expired link is a
 * 404 that says which it may be; nothing else is reachable through it.
 */
import type { FastifyInstance } from 'fastify';
import { problem, sendProblem } from '../problem.js';

export interface HandoffRouteDeps {
  /** The manifest's sha256 of a valid, unexpired token, else null. */
  readToken(token: string): { manifestSha256: string } | null;
  /** Stored document bytes by sha256 (content-addressed). */
  document(sha256: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
}

interface ManifestFile {
  path: string;
  sha256: string;
}

function filesOf(manifest: unknown): ManifestFile[] {
  const files = (manifest as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) return [];
  return files.flatMap((f: unknown) => {
    const x = f as { path?: unknown; sha256?: unknown };
    return typeof x.path === 'string' && typeof x.sha256 === 'string'
      ? [{ path: x.path, sha256: x.sha256 }]
      : [];
  });
}

const TOKEN = { type: 'string', minLength: 10, maxLength: 2048, pattern: '^[A-Za-z0-9_.-]+$' };

export async function handoffRoutes(app: FastifyInstance, deps: HandoffRouteDeps): Promise<void> {
  const gone = problem(
    'not_found',
    'this hand-off link is not valid or has expired; ask the sender for a new one',
  );

  async function manifestFor(token: string) {
    const grant = deps.readToken(token);
    if (!grant) return null;
    const doc = await deps.document(grant.manifestSha256);
    if (!doc) return null;
    return JSON.parse(Buffer.from(doc.bytes).toString('utf8')) as unknown;
  }

  app.get<{ Params: { token: string } }>(
    '/handoffs/:token',
    {
      schema: {
        summary: 'A legal hand-off packet: its manifest with a link per file',
        tags: ['handoffs'],
        params: { type: 'object', required: ['token'], properties: { token: TOKEN } },
      },
    },
    async (request, reply) => {
      const manifest = await manifestFor(request.params.token);
      if (manifest === null) return sendProblem(reply, gone);
      const base = `/handoffs/${request.params.token}/files`;
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      return {
        manifest,
        files: filesOf(manifest).map((f) => ({ ...f, url: `${base}/${f.sha256}` })),
      };
    },
  );

  app.get<{ Params: { token: string; sha256: string } }>(
    '/handoffs/:token/files/:sha256',
    {
      schema: {
        summary: 'One file of a legal hand-off packet',
        tags: ['handoffs'],
        params: {
          type: 'object',
          required: ['token', 'sha256'],
          properties: { token: TOKEN, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
      },
    },
    async (request, reply) => {
      const manifest = await manifestFor(request.params.token);
      if (manifest === null) return sendProblem(reply, gone);
      const file = filesOf(manifest).find((f) => f.sha256 === request.params.sha256);
      if (!file) return sendProblem(reply, problem('not_found', 'the packet has no such file'));
      const doc = await deps.document(file.sha256);
      if (!doc) return sendProblem(reply, problem('not_found', 'the file is no longer stored'));
      const name = file.path
        .split('/')
        .pop()!
        .replace(/[^A-Za-z0-9._-]/g, '_');
      return reply
        .type(doc.contentType)
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('content-security-policy', "default-src 'none'")
        .send(Buffer.from(doc.bytes));
    },
  );
}
