/**
 * The write-back runner on every engine, over the runtime's own wiring (main.ts
 * writeBackDepsFor): a scan opens a case, each sink gets the case events once, in audit
 * order, with the lease's context; its cursor remembers how far it got; a retryable
 * failure holds the cursor at the event, a refusal is reported and skipped.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { lateNoticePolicy, importOakCourt } from '../../test/support/oak-court.js';
import { storesFor, writeBackDepsFor, type Runtime } from '../main.js';
import type { Db } from '../storage/database.js';
import { readChain } from '../storage/repos/audit-repo.js';
import { connectorCursorsRepo } from '../storage/repos/connector-cursors-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { recordPayment } from './record-payment.js';
import { fixedClock } from './ports/clock.js';
import { scanPortfolio } from './scan-portfolio.js';
import { writeBack, type CaseEvent, type CaseSinkPort, type SinkOutcome } from './write-back.js';

/** Late evening in Los Angeles on Oct 6 (the case is open) and on Oct 8 (the day Ana pays). */
const OCT_6 = Date.parse('2026-10-07T06:00:00Z');
const OCT_8 = Date.parse('2026-10-09T06:00:00Z');

const CONTEXT = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
};

/** A sink that keeps what it was given and answers what the test scripts. */
function recordingSink(answer: (e: CaseEvent, n: number) => SinkOutcome = () => ({ ok: true })) {
  const seen: CaseEvent[] = [];
  const sink: CaseSinkPort & { seen: CaseEvent[] } = {
    seen,
    apply(e) {
      seen.push(e);
      return Promise.resolve(answer(e, seen.length));
    },
  };
  return sink;
}

/** Oak Court imported (rent due Oct 1, unpaid) and scanned on Oct 6: one open case. */
async function openCase(db: Db, orgId: string) {
  const clock = fixedClock(OCT_6);
  await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-09-01T00:00:00.000Z' });
  const deps = { clock, ...storesFor(db) };
  await deps.policies.save(
    orgId,
    lateNoticePolicy('{id: sms, type: message, channel: sms, template: late-notice}'),
    'test',
    '2026-09-30T12:00:00.000Z',
  );
  await importOakCourt(deps, orgId);
  await scanPortfolio(deps, { orgId, at: OCT_6 });
  const rt: Runtime = { db, clock, orgId, env: {}, close: () => Promise.resolve() };
  /** Ana pays in full on Oct 8; that evening's scan closes the case. */
  const payInFull = async () => {
    clock.set(OCT_8);
    await recordPayment(
      deps,
      { orgId },
      { leaseId: 'L1', id: 'PAY1', amountCents: 150000, date: '2026-10-08' },
      'test',
    );
    await scanPortfolio(deps, { orgId, at: OCT_8 });
  };
  return { wb: writeBackDepsFor(rt), payInFull, cursors: connectorCursorsRepo(db, clock) };
}

async function seqOf(db: Db, orgId: string, type: string): Promise<number> {
  const entry = (await readChain(db, orgId)).find((e) => e.type === type);
  expect(entry, `no ${type} in the audit log`).toBeDefined();
  return entry!.seq;
}

forEachDialect('write-back runner', (h) => {
  it('hands the opened case to a sink with the lease context, once (the cursor remembers)', async () => {
    const db = await h.openMigrated();
    const org = 'wb-once';
    const { wb, cursors } = await openCase(db, org);
    const openedSeq = await seqOf(db, org, 'case.opened');

    const sink = recordingSink();
    expect(await writeBack(wb, org, [{ id: 'crm', sink }])).toEqual({
      written: { crm: 1 },
      stopped: {},
    });
    expect(sink.seen).toEqual([
      {
        event: expect.objectContaining({
          id: `evt_${org}_${openedSeq}`,
          event: 'case.opened',
          leaseId: 'L1',
          caseEpisode: 1,
          policyId: 'residential-ca',
        }),
        context: { ...CONTEXT, balanceCents: 150000 },
      },
    ]);

    expect(await writeBack(wb, org, [{ id: 'crm', sink }])).toEqual({
      written: { crm: 0 },
      stopped: {},
    });
    expect(sink.seen).toHaveLength(1);
    const cursor = await cursors.get(org, 'crm', 'sink');
    expect(Number(cursor.cursor)).toBeGreaterThanOrEqual(openedSeq);
    expect(cursor.lastError).toBeNull();
  });

  it('a retryable failure holds the cursor: the same event comes again next pass', async () => {
    const db = await h.openMigrated();
    const org = 'wb-retry';
    const { wb, payInFull, cursors } = await openCase(db, org);
    await writeBack(wb, org, [{ id: 'crm', sink: recordingSink() }]);
    await payInFull();
    const closedSeq = await seqOf(db, org, 'case.closed');

    const flaky = recordingSink((_e, n) =>
      n === 1
        ? { ok: false, retryable: true, reason: 'CRM down', retryAfterMs: 1000 }
        : { ok: true },
    );
    expect(await writeBack(wb, org, [{ id: 'crm', sink: flaky }])).toEqual({
      written: { crm: 0 },
      stopped: { crm: 'CRM down' },
    });
    expect((await cursors.get(org, 'crm', 'sink')).lastError).toBe('CRM down');
    expect(await writeBack(wb, org, [{ id: 'crm', sink: flaky }])).toEqual({
      written: { crm: 1 },
      stopped: {},
    });
    expect(flaky.seen.map((s) => s.event.id)).toEqual([
      `evt_${org}_${closedSeq}`,
      `evt_${org}_${closedSeq}`,
    ]);
    expect(flaky.seen[1]).toMatchObject({
      event: { event: 'case.closed', outcome: 'paid', leaseId: 'L1', caseEpisode: 1 },
      context: { balanceCents: 0 },
    });
    expect((await cursors.get(org, 'crm', 'sink')).lastError).toBeNull();
    expect(await writeBack(wb, org, [{ id: 'crm', sink: flaky }])).toEqual({
      written: { crm: 0 },
      stopped: {},
    });
  });

  it('a refusal that will never pass is reported and skipped; each sink keeps its own cursor', async () => {
    const db = await h.openMigrated();
    const org = 'wb-skip';
    const { wb, payInFull, cursors } = await openCase(db, org);
    await payInFull();

    const strict = recordingSink((e) =>
      e.event.event === 'case.opened'
        ? { ok: false, retryable: false, reason: 'INVALID_FIELD bad mapping' }
        : { ok: true },
    );
    const other = recordingSink();
    expect(
      await writeBack(wb, org, [
        { id: 'strict', sink: strict },
        { id: 'other', sink: other },
      ]),
    ).toEqual({
      written: { strict: 2, other: 2 },
      stopped: { strict: 'INVALID_FIELD bad mapping' },
    });
    expect(strict.seen.map((s) => s.event.event)).toEqual(['case.opened', 'case.closed']);
    expect(other.seen.map((s) => s.event.event)).toEqual(['case.opened', 'case.closed']);
    expect((await cursors.get(org, 'strict', 'sink')).lastError).toBe('INVALID_FIELD bad mapping');

    expect(await writeBack(wb, org, [{ id: 'strict', sink: strict }])).toEqual({
      written: { strict: 0 },
      stopped: {},
    });
    expect(strict.seen).toHaveLength(2);
  });
});
