/**
 * Security checks of the HTTP surface (issue: scale-out and resilience, security tests):
 * the dashboard's static files cannot be escaped by path traversal, oversized bodies are
 * refused before they are read into memory, and tokens, cookies and query secrets never
 * reach the logs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { fakeAuth, fakeDeps } from '../../src/http/testing.js';

function dashboardRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arrears-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Arrears</title>');
  return dir;
}

describe('HTTP security', () => {
  it('path traversal out of the dashboard directory is a 404, never a file', async () => {
    const app = await buildApp({ ...fakeDeps().deps, dashboard: { root: dashboardRoot() } });
    for (const url of [
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2f..%2fetc%2fhostname',
      '/%00index.html',
    ]) {
      const r = await app.inject({ url });
      expect(r.body, url).not.toMatch(/root:|localhost/);
      expect([200, 404], url).toContain(r.statusCode);
      if (r.statusCode === 200) expect(r.body, url).toContain('<title>Arrears</title>');
    }
    const page = await app.inject({ url: '/cases/L1' });
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    await app.close();
  });

  it('an oversized body is refused with 413 problem+json', async () => {
    const app = await buildApp({
      ...fakeDeps().deps,
      auth: fakeAuth({
        t: { userId: 'u', email: 'a@x.example', role: 'admin', orgId: 'o', via: 'api_token' },
      }),
    });
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/queue/approve',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      payload: `{"keys":["${'k'.repeat(2 * 1024 * 1024)}"]}`,
    });
    expect(r.statusCode).toBe(413);
    expect(r.headers['content-type']).toContain('application/problem+json');
    await app.close();
  });

  it('tokens, cookies and secret query parameters never reach the logs', async () => {
    const lines: string[] = [];
    const app = await buildApp({
      ...fakeDeps().deps,
      logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } },
    });
    await app.inject({
      url: '/api/v1/me?token=query-secret-123&page=1',
      headers: {
        authorization: 'Bearer arr_secret_token_value',
        cookie: 'arrears_session=ses_secret_cookie_value',
      },
    });
    await app.close();
    const log = lines.join('\n');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of ['arr_secret_token_value', 'ses_secret_cookie_value', 'query-secret-123'])
      expect(log).not.toContain(secret);
  });
});
