/**
 * A calendar, through the real CLI on a SQLite file:
 * Oct 1 rent $1,500 due; Oct 6 the late notice and the $50 late fee are drafted, and a
 * manager approves them; then, before dispatch, the tenant pays — in full (everything is
 * cancelled, nothing sent), in part (back to review: balance_changed), or not at all (the
 * fee posts to the ledger and the text goes out; the manager then waives the fee).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workDir } from '../support/cli.js';

const base = {
  properties: [
    {
      id: 'P1',
      name: 'Oak Court',
      timezone: 'America/Los_Angeles',
      jurisdiction: 'US-CA',
      kind: 'residential',
      ownerId: 'O1',
    },
  ],
  tenants: [
    {
      id: 'T1',
      name: 'Ana Ruiz',
      phone: '+14155550101',
      email: 'ana@example.com',
      consent: { sms: true, email: true },
    },
  ],
  leases: [{ id: 'L1', propertyId: 'P1', unit: '12B', tenantIds: ['T1'], rentCents: 150000 }],
  ledger: [
    {
      id: 'C1',
      leaseId: 'L1',
      date: '2026-10-01',
      type: 'charge',
      category: 'rent',
      amountCents: 150000,
      dueDate: '2026-10-01',
    },
  ] as Record<string, unknown>[],
};

const POLICY = `id: residential-ca
appliesTo: {jurisdiction: US-CA, kind: residential}
stages:
  - id: late-notice
    day: 5
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice}
      - {id: fee, type: fee, amountCents: 5000}
`;

async function drafted() {
  const w = workDir('arrears-scenario-');
  const db = ['--db', `sqlite:${join(w.dir, 'a.db')}`];
  w.write('p1.json', JSON.stringify(base));
  w.write('policy.yaml', POLICY);
  expect((await w.run('policy', 'apply', 'policy.yaml', ...db)).code).toBe(0);
  expect((await w.run('import', 'p1.json', ...db)).code).toBe(0);
  expect((await w.run('user', 'add', 'maria@example.com', '--role', 'manager', ...db)).code).toBe(
    0,
  );
  const scan = await w.run('scan', '--at', '2026-10-06T20:00:00Z', ...db, '--json');
  expect(JSON.parse(scan.out)).toMatchObject({ queued: 2 });
  const approve = await w.run('approve', '--all', '--as', 'maria@example.com', ...db, '--json');
  expect(approve.code).toBe(0);
  const items = async () =>
    (
      JSON.parse((await w.run('outbox', ...db, '--json')).out) as {
        items: { key: string; status: string; reason: string | null }[];
      }
    ).items;
  expect((await items()).map((i) => i.status)).toEqual(['approved', 'approved']);
  const pay = async (cents: number) => {
    w.write(
      'p2.json',
      JSON.stringify({
        ...base,
        ledger: [
          ...base.ledger,
          { id: 'P1', leaseId: 'L1', date: '2026-10-06', type: 'payment', amountCents: cents },
        ],
      }),
    );
    expect((await w.run('import', 'p2.json', ...db)).code).toBe(0);
  };
  const dispatch = async () =>
    JSON.parse((await w.run('dispatch', '--at', '2026-10-06T21:00:00Z', ...db, '--json')).out);
  return { w, db, items, pay, dispatch };
}

describe('between approval and dispatch', () => {
  it('a full payment cancels everything (paid); nothing is sent', async () => {
    const s = await drafted();
    await s.pay(150000);
    await s.dispatch();
    expect(await s.items()).toEqual([
      expect.objectContaining({ key: 'L1:1:late-notice:fee', status: 'cancelled', reason: 'paid' }),
      expect.objectContaining({ key: 'L1:1:late-notice:sms', status: 'cancelled', reason: 'paid' }),
    ]);
  });

  it('a partial payment sends the drafts back to review (balance_changed)', async () => {
    const s = await drafted();
    await s.pay(50000);
    await s.dispatch();
    for (const i of await s.items())
      expect(i).toMatchObject({ status: 'draft', reason: 'balance_changed' });
  });

  it('no payment: the fee posts to the ledger, the text goes out, and the fee can be waived', async () => {
    const s = await drafted();
    await s.dispatch();
    expect((await s.items()).map((i) => i.status)).toEqual(['sent', 'sent']);
    const aging = JSON.parse(
      (await s.w.run('report', 'aging', '--at', '2026-10-06', ...s.db, '--json')).out,
    );
    expect(aging.totalCents).toBe(155000);
    const waive = await s.w.run(
      'fee',
      'waive',
      'L1:1:late-notice:fee',
      '--reason',
      'first time late',
      ...s.db,
      '--json',
    );
    expect(JSON.parse(waive.out)).toMatchObject({ outcome: 'credited', amountCents: 5000 });
    const after = JSON.parse(
      (await s.w.run('report', 'aging', ...s.db, '--json')).out, // the credit is dated today
    );
    expect(after.totalCents).toBe(150000);
    const verify = await s.w.run('audit', 'verify', ...s.db);
    expect(verify.code).toBe(0);
  });

  it('approved late in the evening, the text waits for the send window (R3 at dispatch); the fee does not', async () => {
    const s = await drafted();
    // 22:00 in Los Angeles: outside the default 08:00–20:00 window.
    await s.w.run('dispatch', '--at', '2026-10-07T05:00:00Z', ...s.db, '--json');
    const waiting = (await s.items()) as {
      key: string;
      status: string;
      reason: string | null;
      dueAt?: string;
    }[];
    expect(waiting).toEqual([
      expect.objectContaining({ key: 'L1:1:late-notice:fee', status: 'sent' }),
      expect.objectContaining({
        key: 'L1:1:late-notice:sms',
        status: 'approved',
        reason: 'send_window',
        dueAt: '2026-10-07T15:00:00.000Z', // 08:00 the next morning, local
      }),
    ]);
    await s.w.run('dispatch', '--at', '2026-10-07T15:00:00Z', ...s.db, '--json');
    expect((await s.items()).map((i) => i.status)).toEqual(['sent', 'sent']);
  });
});
