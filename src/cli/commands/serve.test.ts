import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../index.js';
import { serveSettings } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'arrears-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'test/support/cli-entry.ts');

describe('arrears serve', () => {
  it('starts on port 0, answers /healthz over HTTP, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'serve', '--port', '0', '--db', `sqlite:${join(dir, 'a.db')}`],
      // From the repository root, where `--import tsx` resolves.
      { cwd: ROOT, env: { ...process.env, ARREARS_DB: '', ARREARS_PUBLIC_URL: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const url = await new Promise<string>((found, fail) => {
        const timer = setTimeout(() => fail(new Error(`serve did not start:\n${stderr}`)), 20_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            found(m[1]!);
          }
        });
        child.on('exit', () => fail(new Error(`serve exited:\n${stderr}`)));
      });
      expect(url).not.toBe('http://127.0.0.1:0');

      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: 'Bearer arr_x' } });
      expect(me.status).toBe(401);
      expect(me.headers.get('content-type')).toContain('application/problem+json');
      // Readiness reads the real, freshly migrated database: no scan yet.
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { failing: string[] }).failing).toEqual(['scan']);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('arrears serve: stopped');
      // Logs are JSON lines, without the token.
      const lines = stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(stdout).toContain('shutting down');
      expect(stdout).not.toContain('arr_x');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);

  it('refuses a bad port or public URL with exit 2, before opening anything', async () => {
    let err = '';
    const code = await main(['serve', '--port', 'http', '--db', `sqlite:${join(dir, 'b.db')}`], {
      stdout: () => undefined,
      stderr: (s) => (err += s),
      env: { ARREARS_PUBLIC_URL: 'arrears.example.com' },
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(err).toContain('error: --port: `http` is not a port');
    expect(err).toContain('error: ARREARS_PUBLIC_URL: `arrears.example.com` is not a base URL');
  });

  it('reads the public URL and log level from the environment', () => {
    expect(
      serveSettings(
        { host: '0.0.0.0', port: '8080' },
        { ARREARS_PUBLIC_URL: 'https://arrears.example.com/base/', ARREARS_LOG_LEVEL: 'WARN' },
      ),
    ).toEqual({
      host: '0.0.0.0',
      port: 8080,
      publicUrl: 'https://arrears.example.com/base',
      logLevel: 'warn',
    });
    expect(() =>
      serveSettings({ host: 'h', port: '70000' }, { ARREARS_LOG_LEVEL: 'loud' }),
    ).toThrow(/not a port[\s\S]*not a log level/);
  });
});
