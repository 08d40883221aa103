/**
 * `arrears user add`, `queue`, `approve`, `reject`, `dispatch`, `worker` and `outbox` on a
 * SQLite file, from a real import and scan of the shipped storage example.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTAL_DELIVERY_METHODS } from '../../domain/documents/proof.js';
import { main } from '../index.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples');
let dir: string;
let db: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-outbox-cli-'));
  db = `sqlite:${join(dir, 'arrears.db')}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv, '--db', db], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

const json = async (argv: string[], env: Record<string, string | undefined> = {}) => {
  const r = await run([...argv, '--json'], env);
  if (r.code !== 0) throw new Error(`arrears ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

interface QueueJson {
  items: {
    key: string;
    status: string;
    required: number;
    needs: number;
    stage: string;
    approvals: unknown[];
  }[];
}
interface OutboxJson {
  items: Record<string, unknown>[];
}

describe('arrears queue / approve / reject / dispatch / outbox (SQLite)', () => {
  it('sets up: a policy, a portfolio and a scan that queues drafts and tasks', async () => {
    expect((await run(['policy', 'apply', join(EXAMPLES, 'policies/storage-ca.yaml')])).code).toBe(
      0,
    );
    expect((await run(['import', join(EXAMPLES, 'portfolios/storage-ca.json')])).code).toBe(0);
    const scan = await json(['scan', '--at', '2026-10-20T23:00:00Z']);
    expect(scan.queued).toBeGreaterThan(3);
  });

  it('approving before any user exists says how to add one', async () => {
    const r = await run(['approve', '--all']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'has no users yet; add one with `arrears user add EMAIL --role admin`',
    );
  });

  it('user add: the first user is an admin; bad input exits 2', async () => {
    const first = await run(['user', 'add', 'Boss@Example.com', '--role', 'collections', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ email: 'boss@example.com', role: 'admin' });
    expect(first.stderr).toContain('the first user of an organisation is an admin');
    expect((await json(['user', 'add', 'ann@example.com', '--role', 'manager'])).role).toBe(
      'manager',
    );
    expect((await run(['user', 'add', 'aud@example.com', '--role', 'auditor'])).stdout).toBe(
      'added user aud@example.com (auditor)\n',
    );
    const dup = await run(['user', 'add', 'ANN@example.com', '--role', 'finance']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('a user ann@example.com already exists');
    const bad = await run(['user', 'add', 'x', '--role', 'boss']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`boss` is not a role');
    expect((await run(['user', 'add', 'y@example.com'])).code).toBe(2); // --role is required
    const list = (await json(['user', 'list'])) as { users: { email: string }[] };
    expect(list.users.map((u) => u.email)).toEqual([
      'boss@example.com',
      'ann@example.com',
      'aud@example.com',
    ]);
  });

  let drafts: QueueJson['items'];
  it('queue --json lists the drafts with what each needs', async () => {
    drafts = ((await json(['queue'])) as unknown as QueueJson).items;
    expect(drafts.length).toBeGreaterThan(2);
    for (const d of drafts) {
      expect(d).toMatchObject({ status: 'draft', needs: d.required, approvals: [] });
      expect(Object.keys(d)).toEqual(
        expect.arrayContaining([
          'key',
          'leaseId',
          'episode',
          'stage',
          'action',
          'type',
          'channel',
          'status',
          'reason',
          'policyVersion',
          'createdAt',
          'updatedAt',
          'propertyId',
        ]),
      );
    }
    const text = await run(['queue']);
    expect(text.stdout).toContain(
      `${drafts.length} draft${drafts.length === 1 ? '' : 's'} awaiting approval`,
    );
  });

  it('approve: an auditor is refused; named keys as ARREARS_USER; --as wins', async () => {
    const [a, b, c] = drafts;
    const refused = await run(['approve', a!.key, '--as', 'aud@example.com']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'aud@example.com is an auditor, who may not approve outbox items',
    );

    const r = await json(['approve', a!.key, b!.key], { ARREARS_USER: 'ann@example.com' });
    expect(r).toMatchObject({
      user: { email: 'ann@example.com', role: 'manager' },
      approved: [
        { key: a!.key, version: 1, approvals: 1, required: 1 },
        { key: b!.key, version: 1, approvals: 1, required: 1 },
      ],
      refused: [],
    });
    const again = await run(['approve', a!.key, c!.key, '--as', 'boss@example.com'], {
      ARREARS_USER: 'nobody@example.com',
    });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`approved ${c!.key} (version 1, 1/1)`);
    expect(again.stderr).toContain(`error: ${a!.key} is already approved`);
  });

  it('approve / reject input errors exit 2', async () => {
    expect((await run(['approve'])).code).toBe(2);
    expect((await run(['approve', 'K', '--all'])).code).toBe(2);
    const unknown = await run(['approve', 'no-such-key']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no-such-key: no outbox item with this key');
    expect((await run(['reject', drafts[3]!.key])).code).toBe(2); // --reason is required
  });

  it('reject --reason: the draft is rejected with that reason', async () => {
    const key = drafts[3]!.key;
    const r = await json([
      'reject',
      key,
      '--reason',
      'tenant paid at the office',
      '--as',
      'ann@example.com',
    ]);
    expect(r).toMatchObject({ key, status: 'rejected', reason: 'tenant paid at the office' });
    const twice = await run(['reject', key, '--reason', 'x']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('is rejected; only a draft or an approved item');
  });

  it('dispatch --json sends what is approved and due, creates tasks, prints counts', async () => {
    const before = (await json(['outbox', '--status', 'approved'])) as unknown as OutboxJson;
    const counts = await json(['dispatch', '--at', '2026-10-20T23:00:00Z']);
    expect(counts).toMatchObject({
      claimed: before.items.length,
      failed: 0,
      unknown: 0,
      conflicts: 0,
    });
    expect((counts.sent as number) + (counts.tasks as number)).toBe(before.items.length);
    expect(counts.sent).toBe(3);
    const again = await json(['dispatch', '--at', '2026-10-20T23:00:00Z']);
    expect(again.claimed).toBe(0);
  });

  it('outbox --json prints the SPEC 9 shape; filters by status and lease', async () => {
    const all = ((await json(['outbox'])) as unknown as OutboxJson).items;
    expect(all.length).toBeGreaterThan(drafts.length);
    const sent = ((await json(['outbox', '--status', 'sent'])) as unknown as OutboxJson).items;
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const item of sent) {
      expect(item).toMatchObject({ status: 'sent', reason: null });
      for (const field of [
        'key',
        'leaseId',
        'episode',
        'stage',
        'action',
        'type',
        'channel',
        'status',
        'reason',
        'policyVersion',
        'createdAt',
        'updatedAt',
      ])
        expect(item).toHaveProperty(field);
      expect(item).not.toHaveProperty('payload');
    }
    // Fees post to the ledger, tasks go to the task list, notices by post to the sandbox
    // print-and-mail provider, the rest to the sandbox provider.
    const expected = { fee: 'ledger', task: 'tasks' } as Record<string, string>;
    const postal = new Set<unknown>(POSTAL_DELIVERY_METHODS);
    for (const i of sent)
      expect(i.provider).toBe(
        expected[String(i.type)] ??
          (i.type === 'document' && postal.has(i.method) ? 'postal-sandbox' : 'sandbox'),
      );
    const lease = drafts[0]!.key.split(':')[0]!;
    const byLease = ((await json(['outbox', '--lease', lease])) as unknown as OutboxJson).items;
    expect(byLease.length).toBeGreaterThan(0);
    expect(byLease.every((i) => i.leaseId === lease)).toBe(true);
    const rejected = (
      (await json(['outbox', '--status', 'rejected,failed'])) as unknown as OutboxJson
    ).items;
    expect(rejected.map((i) => i.key)).toEqual([drafts[3]!.key]);
    const bad = await run(['outbox', '--status', 'sending']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`sending` is not a status');
    const text = await run(['outbox', '--status', 'sent']);
    expect(text.stdout).toMatch(/^KEY +STATUS +REASON +CHANNEL +DUE +UPDATED\n/);
  });

  it('worker --max-passes runs passes and stops on its own', async () => {
    // Approve everything left, then let the worker send it.
    const left = ((await json(['queue'])) as unknown as QueueJson).items;
    await json(['approve', '--all', '--as', 'ann@example.com']);
    const twoPerson = left.filter((d) => d.required === 2).length;
    if (twoPerson) await json(['approve', '--all', '--as', 'boss@example.com']);
    const r = await run(['worker', '--max-passes', '2', '--interval-ms', '1', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { passes: number; totals: { claimed: number } };
    expect(summary.passes).toBe(2);
    expect(r.stderr).toContain('worker ');
    expect((await run(['worker', '--max-passes', '0'])).code).toBe(2);
    expect((await run(['audit', 'verify'])).code).toBe(0);
  });
});
