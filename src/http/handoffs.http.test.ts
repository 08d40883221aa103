/**
 * The legal hand-off's expiring link: the attorney opens the manifest and downloads each
 * file it lists; a forged, altered or expired link, or a file the packet does not list, is
 * a 404.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handoffToken, readHandoffToken } from '../connectors/legalzoom/handoff-link.js';
import { buildApp } from './app.js';
import { fakeDeps } from './testing.js';

const SECRET = 'handoff-link-secret';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('legal hand-off links', () => {
  it('serves the manifest and the files it lists, and nothing else', async () => {
    const pdf = Buffer.from('%PDF-1.7 packet');
    const other = Buffer.from('%PDF-1.7 someone else');
    const manifest = Buffer.from(
      JSON.stringify({
        lease: 'L1',
        files: [{ path: 'packet.pdf', sha256: sha(pdf), bytes: pdf.length }],
      }),
    );
    const docs = new Map([
      [sha(pdf), pdf],
      [sha(other), other],
      [sha(manifest), manifest],
    ]);
    const now = Date.parse('2026-11-29T12:00:00Z');
    const token = (expiresAt: number) =>
      handoffToken(SECRET, {
        orgId: 'o',
        leaseId: 'L1',
        key: 'L1:1:legal:esc',
        manifestSha256: sha(manifest),
        expiresAt,
      });
    const app = await buildApp({
      ...fakeDeps().deps,
      handoffs: {
        readToken: (t) => readHandoffToken(SECRET, t, now),
        document: (s) =>
          Promise.resolve(
            docs.has(s) ? { bytes: docs.get(s)!, contentType: 'application/pdf' } : undefined,
          ),
      },
    });
    const valid = token(now / 1000 + 3600);
    const page = await app.inject({ url: `/handoffs/${valid}` });
    expect(page.statusCode).toBe(200);
    expect(page.json().files).toEqual([
      expect.objectContaining({
        path: 'packet.pdf',
        sha256: sha(pdf),
        url: `/handoffs/${valid}/files/${sha(pdf)}`,
      }),
    ]);
    const file = await app.inject({ url: `/handoffs/${valid}/files/${sha(pdf)}` });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(pdf)).toBe(true);
    expect(file.headers['content-disposition']).toBe('attachment; filename="packet.pdf"');
    expect((await app.inject({ url: `/handoffs/${valid}/files/${sha(other)}` })).statusCode).toBe(
      404,
    );

    const expired = token(now / 1000 - 1);
    expect((await app.inject({ url: `/handoffs/${expired}` })).statusCode).toBe(404);
    const forged = handoffToken('another-secret', {
      orgId: 'o',
      leaseId: 'L1',
      key: 'k',
      manifestSha256: sha(manifest),
      expiresAt: now / 1000 + 3600,
    });
    expect((await app.inject({ url: `/handoffs/${forged}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/handoffs/${valid.slice(0, -2)}xx` })).statusCode).toBe(404);
    await app.close();
  });
});
