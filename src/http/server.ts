/**
 * Listens with an app built by `buildApp` and closes it gracefully on SIGTERM / SIGINT:
 * new connections are refused, requests in flight finish (up to `closeGraceMs`, then the
 * remaining connections are cut), onClose hooks run, and `closed` resolves.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.js';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port (see `StartedServer.port`). */
  port: number;
  /** Signals that close the server (default SIGTERM and SIGINT); [] for none. */
  signals?: readonly NodeJS.Signals[];
  /** How long requests in flight may take to finish once closing (default 10 s). */
  closeGraceMs?: number;
}

export interface StartedServer {
  /** `http://HOST:PORT` it listens on. */
  url: string;
  host: string;
  port: number;
  /** Closes the server (idempotent); resolves once it is closed. */
  close(): Promise<void>;
  /** Resolves once the server has closed, whatever closed it. */
  closed: Promise<void>;
}

export async function startServer(
  app: FastifyInstance,
  options: ServerOptions,
): Promise<StartedServer> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new AppError(
        'runtime',
        `port ${options.port} on ${options.host} is already in use; choose another with --port`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
      throw new AppError(
        'runtime',
        `cannot listen on ${options.host}:${options.port} (${code}); check --host and --port`,
      );
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, 'shutting down');
    void close();
  };

  function close(): Promise<void> {
    closing ??= (async () => {
      for (const s of signals) process.off(s, onSignal);
      const timer = setTimeout(() => {
        app.log.warn('requests still in flight after the grace period; closing their connections');
        app.server.closeAllConnections();
      }, options.closeGraceMs ?? 10_000);
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
        resolveClosed();
      }
    })();
    return closing;
  }

  for (const s of signals) process.on(s, onSignal);
  return { url: `http://${host}:${address.port}`, host, port: address.port, close, closed };
}
