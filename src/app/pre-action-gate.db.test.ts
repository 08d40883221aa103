/**
 * The pre-sale gate (SPEC 3.4 `auction`, R13), on SQLite and PostgreSQL: Oct 16 the
 * preliminary lien notices go by certified mail; Oct 26 the lien-sale stage drafts the
 * auction, which cannot be approved: the notice's period still runs and nobody has verified
 * the address, checked military status or signed off; Oct 27 the carrier delivers; the
 * attestations are recorded; Nov 5, the period over, the same approval succeeds. Every
 * step is audited and the chain verifies. The tests of a suite share its database, in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { cliAgainst } from '../../test/support/cli.js';
import { samplePortfolioValue, SAMPLE_POLICY_YAML } from '../domain/documents/testing.js';
import { renderNoticePdf } from '../documents/render-pdf.js';
import { storesFor } from '../main.js';
import { createDispatcher } from '../outbox/dispatcher.js';
import {
  createDocumentSender,
  createSandboxPrintMail,
  postalDocumentRoutes,
} from '../outbox/document-sender.js';
import { createSandboxSender } from '../outbox/sandbox-sender.js';
import { senderRegistry } from '../outbox/senders.js';
import type { Db, DbTransaction } from '../storage/database.js';
import { readChain } from '../storage/repos/audit-repo.js';
import { documentsRepo } from '../storage/repos/documents-repo.js';
import { createGatesRepo } from '../storage/repos/gates-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { createUsersRepo } from '../storage/repos/users-repo.js';
import { approveActions, type ApprovalDeps } from './approve-action.js';
import { fixedClock } from './ports/clock.js';
import { attest, gateFor, type GateDeps } from './pre-action-gate.js';
import { makeRecheck } from './recheck-item.js';
import { recordMailEvent } from './record-mail-event.js';

const NOTICE = 'S-1:1:pre-lien-notice:notice';
const SALE = 'S-1:1:lien-sale:sale';
const POLICY = `${SAMPLE_POLICY_YAML}  - id: lien-sale
    name: Lien sale
    day: 25
    actions:
      - {id: sale, type: auction, inDays: 14}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-gate-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'portfolio.json'), JSON.stringify(samplePortfolioValue()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachDialect('pre-sale gate', (h) => {
  const { run: exec, ok: run } = cliAgainst(() => ({ cwd: dir, db: h.url }));
  let db: Db;
  const clock = fixedClock(Date.parse('2026-10-16T17:30:00Z'));
  const provider = createSandboxPrintMail();
  const gateDeps = (): GateDeps<DbTransaction> => {
    const stores = storesFor(db);
    return {
      outbox: createOutboxRepo(db, clock),
      documents: documentsRepo(db, clock),
      portfolio: stores.portfolio,
      policies: stores.policies,
      gates: createGatesRepo(db),
      users: createUsersRepo(db, clock),
      clock,
    };
  };
  const approvalDeps = (): ApprovalDeps<DbTransaction> => ({
    outbox: createOutboxRepo(db, clock),
    users: createUsersRepo(db, clock),
    clock,
    gate: (orgId, key) => gateFor(gateDeps(), orgId, key),
  });
  const user = async (email: string) =>
    (await createUsersRepo(db, clock).findByEmail('default', email))!;

  it('Oct 16: the preliminary lien notices are approved and mailed by certified mail', async () => {
    await run('policy', 'apply', 'policy.yaml');
    await run('import', 'portfolio.json');
    await run('user', 'add', 'boss@example.com', '--role', 'admin');
    await run('user', 'add', 'mgr@example.com', '--role', 'manager');
    await run('user', 'add', 'clerk@example.com', '--role', 'collections');
    await run('scan', '--at', '2026-10-16T17:00:00Z');
    await run('approve', '--stage', 'pre-lien-notice', '--as', 'boss@example.com');
    db = await h.open();
    const stores = storesFor(db);
    const sender = createDocumentSender({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      documents: documentsRepo(db, clock),
      render: renderNoticePdf,
      provider,
    });
    await createDispatcher({
      outbox: createOutboxRepo(db, clock),
      clock,
      recheck: makeRecheck({ clock, ...stores }),
      senders: senderRegistry({ '*': createSandboxSender(), ...postalDocumentRoutes(sender) }),
      workerId: 'test-worker',
    }).runOnce();
    expect(provider.mailings().map((m) => m.key)).toContain(NOTICE);
  });

  it('Oct 26: the auction is drafted and cannot be approved; the refusal names what is missing', async () => {
    await run('scan', '--at', '2026-10-26T17:00:00Z');
    clock.set(Date.parse('2026-10-26T18:00:00Z'));
    expect(await createOutboxRepo(db).get('default', SALE)).toMatchObject({
      type: 'auction',
      status: 'draft',
    });
    const [proof] = await documentsRepo(db).proofsForLease('default', 'S-1');
    const deadline = proof!.data!.deadline as string;
    expect(deadline > '2026-10-26' && deadline < '2026-11-05').toBe(true);

    const gate = (await gateFor(gateDeps(), 'default', SALE))!;
    expect(gate.kind).toBe('auction');
    expect(gate.items.filter((i) => !i.ok).map((i) => i.item)).toEqual([
      'address_verified',
      'periods_elapsed',
      'military_checked',
      'manager_signoff',
    ]);
    expect(gate.items.find((i) => i.item === 'notices_served')!.evidence).toEqual([
      `proof ${proof!.id} (mailed, tracking ${proof!.trackingNumber}, mailed 2026-10-16)`,
    ]);

    const boss = await user('boss@example.com');
    const result = await approveActions(approvalDeps(), 'default', boss, { keys: [SALE] });
    expect(result.approved).toEqual([]);
    expect(result.refused).toHaveLength(1);
    const refusal = result.refused[0]!;
    expect(refusal.code).toBe('conflict');
    for (const sentence of gate.missing) expect(refusal.message).toContain(sentence);
    expect(refusal.message).toContain(`the period of ${NOTICE} runs until ${deadline}`);
    expect(await createOutboxRepo(db).get('default', SALE)).toMatchObject({ status: 'draft' });

    // The CLI refuses too, naming the items, and shows the checklist.
    const cli = await exec('approve', SALE, '--as', 'boss@example.com');
    expect(cli.code).toBe(1);
    expect(cli.err).toContain('pre-sale checklist is incomplete');
    expect(cli.err).toContain('Sign-off: no manager or admin has signed off');
    const shown = await exec('gate', SALE);
    expect(shown.code).toBe(1);
    expect(shown.out).toContain(`Pre-sale checklist for ${SALE}`);
    expect(shown.out).toContain('✓ lease_valid');
    expect(shown.out).toContain('✗ address_verified');
    expect(shown.out).toContain(`evidence: proof ${proof!.id}`);
  });

  it('Oct 27: the carrier delivers; the attestations are recorded, a later one replacing an earlier', async () => {
    clock.set(Date.parse('2026-10-27T20:00:00Z'));
    const [proof] = await documentsRepo(db).proofsForLease('default', 'S-1');
    const stores = storesFor(db);
    await recordMailEvent(
      {
        clock,
        documents: documentsRepo(db, clock),
        outbox: createOutboxRepo(db, clock),
        portfolio: stores.portfolio,
        policies: stores.policies,
        state: stores.state,
        planned: stores.outbox,
      },
      'default',
      { trackingNumber: proof!.trackingNumber!, type: 'delivered', at: '2026-10-27T19:00:00Z' },
    );

    const clerk = await user('clerk@example.com');
    const mgr = await user('mgr@example.com');
    // Who may attest what.
    await expect(
      attest(gateDeps(), 'default', clerk, SALE, 'manager_signoff', 'looks fine'),
    ).rejects.toThrow('only a manager or an admin may sign off');
    await expect(attest(gateDeps(), 'default', clerk, SALE, 'lease_valid', 'x')).rejects.toThrow(
      'cannot be attested',
    );
    await expect(
      attest(gateDeps(), 'default', clerk, NOTICE, 'address_verified', 'x'),
    ).rejects.toThrow('only auctions and escalations to legal have a gate');

    await attest(gateDeps(), 'default', clerk, SALE, 'address_verified', 'USPS lookup');
    const again = await attest(
      gateDeps(),
      'default',
      clerk,
      SALE,
      'address_verified',
      'USPS address verification #AV-1182, matches lease file',
    );
    expect(again.replaced).toMatchObject({ evidence: 'USPS lookup' });
    await run(
      'gate',
      'attest',
      SALE,
      '--item',
      'military_checked',
      '--evidence',
      'SCRA status report 2026-10-27, no active duty',
      '--as',
      'clerk@example.com',
    );
    await attest(gateDeps(), 'default', mgr, SALE, 'manager_signoff', 'sale reviewed');

    const gate = (await gateFor(gateDeps(), 'default', SALE))!;
    expect(gate.items.filter((i) => !i.ok).map((i) => i.item)).toEqual(['periods_elapsed']);
    expect(gate.items.find((i) => i.item === 'address_verified')!.evidence[0]).toContain(
      'USPS address verification #AV-1182',
    );
    const refused = await approveActions(
      approvalDeps(),
      'default',
      await user('boss@example.com'),
      { keys: [SALE] },
    );
    expect(refused.refused[0]!.message).toContain('Periods:');
    expect(refused.refused[0]!.message).not.toContain('Address');

    const attested = (await readChain(db, 'default')).filter((e) => e.type === 'gate.attested');
    expect(attested.map((e) => (e.data as { item: string }).item)).toEqual([
      'address_verified',
      'address_verified',
      'military_checked',
      'manager_signoff',
    ]);
    expect(attested[1]!.data).toMatchObject({
      replaces: { evidence: 'USPS lookup', userId: clerk.id },
    });
    expect(attested.every((e) => e.subject === `outbox:${SALE}`)).toBe(true);
  });

  it('Nov 5: the period is over; the same approval succeeds, with the gate evidence audited', async () => {
    clock.set(Date.parse('2026-11-05T18:00:00Z'));
    const gate = (await gateFor(gateDeps(), 'default', SALE))!;
    expect(gate.missing).toEqual([]);
    expect(gate.ok).toBe(true);
    const boss = await user('boss@example.com');
    const result = await approveActions(approvalDeps(), 'default', boss, { keys: [SALE] });
    expect(result.refused).toEqual([]);
    expect(result.approved).toEqual([{ key: SALE, version: 1, approvals: 1, required: 1 }]);
    expect(await createOutboxRepo(db).get('default', SALE)).toMatchObject({ status: 'approved' });

    const chain = await readChain(db, 'default');
    const approval = chain.find(
      (e) => e.type === 'outbox.approval' && e.subject === `outbox:${SALE}`,
    );
    expect(approval!.data).toMatchObject({
      gate: {
        kind: 'auction',
        items: expect.arrayContaining([
          { item: 'notices_served', evidence: [expect.stringContaining('delivered')] },
        ]),
      },
    });
    expect(chain.some((e) => e.type === 'outbox.approved' && e.subject === `outbox:${SALE}`)).toBe(
      true,
    );

    const shown = JSON.parse(await run('gate', SALE, '--json')) as { ok: boolean };
    expect(shown.ok).toBe(true);
    await run('audit', 'verify');
  });
});
