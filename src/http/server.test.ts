import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { startServer } from './server.js';
import { fakeDeps } from './testing.js';

describe('startServer', () => {
  it('listens on a free port, answers, and closes once however often asked', async () => {
    const server = await startServer(await buildApp(fakeDeps().deps), {
      host: '127.0.0.1',
      port: 0,
      signals: [],
    });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await Promise.all([server.close(), server.close()]);
    await server.closed;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('a port in use is a clear runtime error, and the app is closed', async () => {
    const first = await startServer(await buildApp(fakeDeps().deps), {
      host: '127.0.0.1',
      port: 0,
      signals: [],
    });
    const second = await buildApp(fakeDeps().deps);
    try {
      await expect(
        startServer(second, { host: '127.0.0.1', port: first.port, signals: [] }),
      ).rejects.toThrow(
        `port ${first.port} on 127.0.0.1 is already in use; choose another with --port`,
      );
      expect(second.server.listening).toBe(false);
    } finally {
      await first.close();
    }
  });

  it('closes on the signals it was given', async () => {
    const server = await startServer(await buildApp(fakeDeps().deps), {
      host: '127.0.0.1',
      port: 0,
      signals: ['SIGUSR2'],
    });
    const before = process.listenerCount('SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    await server.closed;
    expect(process.listenerCount('SIGUSR2')).toBe(before - 1);
  });
});
