/**
 * The worker loop, in process and as a real child process stopped by SIGTERM: the item in
 * flight finishes and is recorded, the unstarted claims are released, the exit code is 0.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../../test/support/fake-provider.js';
import { emptyCounts, type DispatchCounts } from '../app/dispatch-outbox.js';
import { openDatabase } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { DEFAULT_ORG_ID, ensureDefaultOrganisation } from '../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import type { Dispatcher } from './dispatcher.js';
import { newItem } from './testing.js';
import { runWorker } from './worker.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeDispatcher(passes: (n: number) => Partial<DispatchCounts> | Error) {
  let n = 0;
  const released: number[] = [];
  const d: Dispatcher & { released: number[] } = {
    workerId: 'fake',
    released,
    runOnce: () => {
      const r = passes(++n);
      return r instanceof Error ? Promise.reject(r) : Promise.resolve({ ...emptyCounts(), ...r });
    },
    release: () => {
      released.push(n);
      return Promise.resolve([]);
    },
  };
  return d;
}

describe('runWorker', () => {
  it('runs passes until maxPasses, keeps going after a failed pass, releases at the end', async () => {
    const d = fakeDispatcher((n) => (n === 2 ? new Error('db down') : { claimed: n, sent: n }));
    const errors: string[] = [];
    const summary = await runWorker(d, {
      signal: new AbortController().signal,
      intervalMs: 1,
      maxPasses: 4,
      onError: (e) => errors.push((e as Error).message),
    });
    expect(summary).toMatchObject({ passes: 4, errors: 1, totals: { claimed: 8, sent: 8 } });
    expect(errors).toEqual(['db down']);
    expect(d.released).toEqual([4]);
  });

  it('an abort during the pause stops it at once', async () => {
    const controller = new AbortController();
    const d = fakeDispatcher(() => ({}));
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const summary = await runWorker(d, { signal: controller.signal, intervalMs: 60_000 });
    expect(summary.passes).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
}

describe('worker child process', () => {
  it('SIGTERM: finishes the send in flight, releases the rest, exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arrears-worker-'));
    dirs.push(dir);
    const url = `sqlite:${join(dir, 'arrears.db')}`;
    const db = await openDatabase(url);
    await migrateToLatest(db);
    await ensureDefaultOrganisation(db, new Date().toISOString());
    const repo = createOutboxRepo(db);
    const keys = ['A', 'B', 'C', 'D', 'E'].map((k) => `L1:1:late:${k}`);
    await db.transaction((trx) =>
      repo.insertItems(
        trx,
        DEFAULT_ORG_ID,
        keys.map((k) =>
          newItem(k, { approvalsRequired: 0, dueAt: new Date(Date.now() - 1000).toISOString() }),
        ),
        'system:scan',
      ),
    );

    let child: ChildProcess | undefined;
    const fake = await startFakeProvider({
      delayMs: 700,
      onRequest: (r) => {
        if (r.n === 1 && fake.log.length === 1) child?.kill('SIGTERM');
      },
    });
    try {
      child = fork(join(ROOT, 'test/support/worker-child.ts'), [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          WORKER_DB: url,
          WORKER_PROVIDER_URL: fake.url,
          WORKER_ID: 'child-1',
          WORKER_BATCH: '10',
          WORKER_LEASE_MS: '60000',
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const messages: { type: string; summary?: { totals: DispatchCounts } }[] = [];
      child.on('message', (m) => messages.push(m as (typeof messages)[number]));
      const result = await exited(child);
      expect(result).toEqual({ code: 0, signal: null });
      expect(fake.log).toHaveLength(1);
      const items = (await repo.list(DEFAULT_ORG_ID)).items;
      const sent = items.filter((i) => i.status === 'sent');
      expect(sent.map((i) => i.key)).toEqual([fake.log[0]!.key]);
      expect(sent[0]).toMatchObject({ provider: 'fake-api', providerId: 'fk_1' });
      const rest = items.filter((i) => i.status !== 'sent');
      expect(rest).toHaveLength(4);
      for (const i of rest)
        expect(i).toMatchObject({
          status: 'approved',
          reason: 'released',
          claimedBy: null,
          attempts: 0,
        });
      expect(messages.map((m) => m.type)).toEqual(['ready', 'stopped']);
      expect(messages[1]!.summary!.totals).toMatchObject({ claimed: 5, sent: 1, released: 4 });
    } finally {
      child?.kill('SIGKILL');
      await fake.close();
      await db.close();
    }
  });
});
