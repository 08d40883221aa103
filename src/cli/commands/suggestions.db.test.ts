/**
 * `arrears suggestions`, `suggestion confirm` and `suggestion dismiss` through the CLI, on
 * SQLite and PostgreSQL. Replies arrive through the use case (as a webhook hands them over);
 * the tests of a suite share its database, in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { fixedClock } from '../../app/ports/clock.js';
import { receiveReply } from '../../app/receive-reply.js';
import { inboundFor } from '../../main.js';
import type { Db } from '../../storage/database.js';
import { parseAmount } from './suggestions.js';
import { main } from '../index.js';

const PORTFOLIO = {
  properties: [
    {
      id: 'P1',
      name: 'Oak Court',
      timezone: 'America/Los_Angeles',
      jurisdiction: 'US-CA',
      kind: 'residential',
    },
  ],
  tenants: [
    { id: 'T1', name: 'Ana Ruiz', phone: '+14155550101', consent: { sms: true } },
    { id: 'T2', name: 'Ben Ode', email: 'ben@example.com', consent: { email: true } },
  ],
  leases: [
    { id: 'L1', propertyId: 'P1', unit: '1', tenantIds: ['T1'], rentCents: 100000 },
    { id: 'L2', propertyId: 'P1', unit: '2', tenantIds: ['T2'], rentCents: 100000 },
  ],
  ledger: [],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-suggestions-cli-'));
  writeFileSync(join(dir, 'p.json'), JSON.stringify(PORTFOLIO));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('parseAmount reads cents or dollars', () => {
  expect(parseAmount('20000')).toBe(20000);
  expect(parseAmount('$200')).toBe(20000);
  expect(parseAmount('200.5')).toBe(20050);
  expect(parseAmount('1,250.00')).toBe(125000);
  expect(() => parseAmount('abc')).toThrow('is not an amount');
  expect(() => parseAmount('0')).toThrow('is not an amount');
});

forEachDialect('arrears suggestions / suggestion confirm / dismiss', (h) => {
  async function run(argv: string[], env: Record<string, string | undefined> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main([...argv, '--db', h.url], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env,
      cwd: dir,
    });
    return { code, stdout, stderr };
  }
  const json = async (argv: string[]) => {
    const r = await run([...argv, '--json']);
    if (r.code !== 0) throw new Error(`arrears ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  let db: Db;
  const ids: Record<string, string> = {};

  it('sets up: a portfolio, users, and three replies (one from a stranger)', async () => {
    expect((await run(['import', 'p.json'])).code).toBe(0);
    expect((await run(['user', 'add', 'boss@example.com', '--role', 'admin'])).code).toBe(0);
    expect((await run(['user', 'add', 'aud@example.com', '--role', 'auditor'])).code).toBe(0);
    db = await h.open();
    const deps = inboundFor(db, fixedClock(Date.parse('2026-10-06T17:00:00.000Z')));
    const receive = (from: string, text: string, id: string, channel: 'sms' | 'email' = 'sms') =>
      receiveReply(deps, {
        orgId: 'default',
        channel,
        from,
        text,
        provider: 'sandbox-sms',
        providerMessageId: id,
        receivedAt: '2026-10-06T17:00:00Z',
      });
    ids.promise = (
      await receive('+14155550101', "I'll pay $300 on the 15th", 'M1')
    ).suggestions[0]!;
    ids.paid = (await receive('ben@example.com', 'I already paid', 'M2', 'email')).suggestions[0]!;
    expect((await receive('+14155550999', 'who is this?', 'M3')).status).toBe('unmatched');
  });

  it('lists open suggestions and the replies from unknown senders', async () => {
    const out = (await json(['suggestions'])) as {
      suggestions: { id: string; kind: string; leaseId: string; proposal: unknown }[];
      unmatched: { from: string; text: string }[];
    };
    expect(out.suggestions.map((s) => [s.id, s.kind, s.leaseId, s.proposal])).toEqual([
      [ids.promise, 'promise', 'L1', { amountCents: 30000, until: '2026-10-15' }],
      [ids.paid, 'paid_claim', 'L2', {}],
    ]);
    expect(out.unmatched).toEqual([
      expect.objectContaining({ from: '+14155550999', text: 'who is this?' }),
    ]);
    const text = await run(['suggestions']);
    expect(text.stdout).toContain('$300.00 until 2026-10-15');
    expect(text.stdout).toContain('1 reply from senders no tenant matches');
  });

  it('confirms a promise with a corrected amount and date; a second decision is refused', async () => {
    const bad = await run(['suggestion', 'confirm', ids.promise!, '--amount', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--amount');
    const auditor = await run(['suggestion', 'confirm', ids.promise!, '--as', 'aud@example.com']);
    expect(auditor.code).toBe(1);
    expect(auditor.stderr).toContain('may only read');
    const out = await json([
      'suggestion',
      'confirm',
      ids.promise!,
      '--amount',
      '$250',
      '--until',
      '2099-01-15',
      '--as',
      'boss@example.com',
    ]);
    expect(out).toMatchObject({
      status: 'confirmed',
      kind: 'promise',
      leaseId: 'L1',
      decidedBy: 'boss@example.com',
      events: [{ type: 'promise', amountCents: 25000, until: '2099-01-15', leaseId: 'L1' }],
    });
    const again = await run(['suggestion', 'confirm', ids.promise!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already confirmed');
    const missing = await run(['suggestion', 'confirm', 'sg_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no suggestion sg_nope');
  });

  it('dismisses a paid claim with a reason (the review hold is released)', async () => {
    expect((await run(['suggestion', 'dismiss', ids.paid!])).code).toBe(2);
    const r = await run(['suggestion', 'dismiss', ids.paid!, '--reason', 'no payment found']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `suggestion ${ids.paid} (paid_claim, lease L2) dismissed: release event\n`,
    );
    expect(((await json(['suggestions'])) as { suggestions: unknown[] }).suggestions).toEqual([]);
    const all = (await json(['suggestions', '--status', 'all'])) as {
      suggestions: { status: string; decision: unknown }[];
    };
    expect(all.suggestions.map((s) => s.status)).toEqual(['confirmed', 'dismissed']);
    const chain = await db.kysely
      .selectFrom('audit')
      .select('type')
      .where('org_id', '=', 'default')
      .where('type', 'like', 'suggestion.%')
      .orderBy('seq')
      .execute();
    expect(chain.map((c) => c.type)).toEqual([
      'suggestion.created',
      'suggestion.created',
      'suggestion.confirmed',
      'suggestion.dismissed',
    ]);
    expect((await run(['audit', 'verify'])).code).toBe(0);
  });
});
