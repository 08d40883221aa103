/**
 * Returned notices (R10), on SQLite and PostgreSQL: Oct 16 the preliminary lien notices go
 * by certified mail; Oct 20 the carrier returns Dana's; the return
 * is appended to the proof, the delivery fails, the evaluator's `service_failed` hold
 * applies and a re-serve task is queued at once; Oct 21 Lucía's is delivered.
 * The tests of a suite share its database, in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { cliAgainst } from '../../test/support/cli.js';
import { samplePortfolioValue, SAMPLE_POLICY_YAML } from '../domain/documents/testing.js';
import { evaluateLease } from '../domain/evaluator/lease-run.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
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
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { createWebhookRegistry } from './ports/webhooks.js';
import { sandboxMailWebhookConnector } from '../connectors/sandbox/mail-webhook.js';
import { signSandboxWebhook } from '../connectors/sandbox/webhooks.js';
import { buildApp } from '../http/app.js';
import { fakeDeps } from '../http/testing.js';
import { createWebhookEventsRepo } from '../storage/repos/webhook-events-repo.js';
import { fixedClock } from './ports/clock.js';
import { makeRecheck } from './recheck-item.js';
import { recordMailEvent, type MailEventDeps } from './record-mail-event.js';

const NOTICE = 'S-1:1:pre-lien-notice:notice';
const NOTICE_ES = 'S-2:1:pre-lien-notice:notice';
const RESERVE = 'S-1:1:$service:reserve:1';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-mail-event-'));
  writeFileSync(join(dir, 'policy.yaml'), SAMPLE_POLICY_YAML);
  writeFileSync(join(dir, 'portfolio.json'), JSON.stringify(samplePortfolioValue()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachDialect('record a mail event', (h) => {
  const { ok: run } = cliAgainst(() => ({ cwd: dir, db: h.url }));
  let db: Db;
  const clock = fixedClock(Date.parse('2026-10-16T17:30:00Z'));
  const provider = createSandboxPrintMail();
  const dispatch = () => {
    const stores = storesFor(db);
    const sender = createDocumentSender({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      documents: documentsRepo(db, clock),
      render: renderNoticePdf,
      provider,
    });
    return createDispatcher({
      outbox: createOutboxRepo(db, clock),
      clock,
      recheck: makeRecheck({ clock, ...stores }),
      senders: senderRegistry({ '*': createSandboxSender(), ...postalDocumentRoutes(sender) }),
      workerId: 'test-worker',
    }).runOnce();
  };
  const deps = (): MailEventDeps<DbTransaction> => {
    const stores = storesFor(db);
    return {
      clock,
      documents: documentsRepo(db, clock),
      outbox: createOutboxRepo(db, clock),
      portfolio: stores.portfolio,
      policies: stores.policies,
      state: stores.state,
      planned: stores.outbox,
    };
  };
  const tracking = (key: string) => provider.mailings().find((m) => m.key === key)!.trackingNumber;

  it('Oct 16: the notices are approved and mailed by certified mail', async () => {
    await run('policy', 'apply', 'policy.yaml');
    await run('import', 'portfolio.json');
    await run('user', 'add', 'boss@example.com', '--role', 'admin');
    await run('scan', '--at', '2026-10-16T17:00:00Z');
    await run('approve', '--stage', 'pre-lien-notice', '--as', 'boss@example.com');
    db = await h.open();
    await dispatch();
    expect(
      provider
        .mailings()
        .map((m) => m.key)
        .sort(),
    ).toEqual([NOTICE, NOTICE_ES]);
  });

  it('Oct 20: a returned certified notice fails service, holds the lease and queues a re-serve task', async () => {
    clock.set(Date.parse('2026-10-20T18:05:00Z'));
    const result = await recordMailEvent(deps(), 'default', {
      trackingNumber: tracking(NOTICE),
      type: 'returned',
      at: '2026-10-20T18:00:00Z',
      detail: 'Return to sender - not deliverable as addressed',
    });
    expect(result).toEqual({
      proofId: expect.stringMatching(/^S-1:1:pre-lien-notice:notice@ltr_/),
      leaseId: 'S-1',
      outboxKey: NOTICE,
      appended: true,
      proofStatus: 'returned',
      outboxStatus: 'failed',
      serviceFailed: true,
      reserveTasks: [RESERVE],
    });

    const [proof] = await documentsRepo(db).proofsForLease('default', 'S-1');
    expect(proof!.events.map((e) => [e.type, e.date])).toEqual([
      ['mailed', '2026-10-16'],
      ['returned', '2026-10-20'],
    ]);
    const outbox = createOutboxRepo(db);
    expect(await outbox.get('default', NOTICE)).toMatchObject({
      status: 'failed',
      reason: 'returned',
    });
    // The re-serve task: under the evaluator's own key, needing no approval.
    expect(await outbox.get('default', RESERVE)).toMatchObject({
      type: 'task',
      status: 'approved',
      stage: '$service',
      payload: expect.objectContaining({
        title: 'Re-serve returned notice (pre-lien-notice)',
        assignee: 'role:legal',
      }),
    });

    // The event the evaluator reads is stored, and it gives the R10 hold.
    const stores = storesFor(db);
    const portfolio = await stores.portfolio.loadPortfolio('default', ['S-1']);
    expect(portfolio.events).toContainEqual(
      expect.objectContaining({
        type: 'delivery',
        status: 'returned',
        key: NOTICE,
        contactId: 'T-1',
      }),
    );
    const policies = (await stores.policies.current('default')).map((s) => s.policy);
    const timeline = evaluateLease(leaseInputs(portfolio, policies).inputs[0]!, {
      from: '2026-10-16',
      to: '2026-10-21',
    });
    expect(timeline.events).toContainEqual(
      expect.objectContaining({ type: 'service_failed', date: '2026-10-20', key: NOTICE }),
    );
    expect(timeline.events).toContainEqual(
      expect.objectContaining({ type: 'hold_started', hold: 'service_failed', date: '2026-10-20' }),
    );
  });

  it('the same carrier event again changes nothing', async () => {
    const before = (await readChain(db, 'default')).length;
    const again = await recordMailEvent(deps(), 'default', {
      trackingNumber: tracking(NOTICE),
      type: 'returned',
      at: '2026-10-20T18:00:00Z',
    });
    expect(again).toMatchObject({ appended: false, serviceFailed: true, reserveTasks: [] });
    const audit = await readChain(db, 'default', { fromSeq: before + 1 });
    // Only the events pipeline's own bookkeeping entry; no proof, outbox or task entry.
    expect(audit.map((e) => e.type)).toEqual(['events.recorded']);
  });

  it('a dispatch creates the re-serve task; a scan plans the same key and adds nothing', async () => {
    const counts = await dispatch();
    expect(counts.tasks).toBe(1);
    const task = await db.kysely
      .selectFrom('tasks')
      .selectAll()
      .where('org_id', '=', 'default')
      .where('id', '=', RESERVE)
      .executeTakeFirst();
    expect(task).toMatchObject({ lease_id: 'S-1', status: 'open', assignee: 'role:legal' });

    await run('scan', '--at', '2026-10-20T18:10:00Z');
    const reserves = await db.kysely
      .selectFrom('outbox')
      .select('key')
      .where('org_id', '=', 'default')
      .where('stage', '=', '$service')
      .execute();
    expect(reserves.map((r) => r.key)).toEqual([RESERVE]);
  });

  it('Oct 21: the carrier’s signed tracking webhook delivers a notice; nothing is held', async () => {
    clock.set(Date.parse('2026-10-21T20:00:00Z'));
    const secret = 'mail-webhook-secret';
    const app = await buildApp({
      ...fakeDeps().deps,
      clock,
      webhooks: createWebhookRegistry([
        sandboxMailWebhookConnector({ ...deps(), orgId: 'default', secret }),
      ]),
      webhookEvents: createWebhookEventsRepo(db, 'default'),
    });
    const body = JSON.stringify({
      id: 'evt_1',
      trackingNumber: tracking(NOTICE_ES),
      type: 'delivered',
      at: '2026-10-21T19:00:00Z',
    });
    const post = (signature: string) =>
      app.inject({
        method: 'POST',
        url: '/webhooks/sandbox-mail',
        headers: { 'content-type': 'application/json', 'x-arrears-signature': signature },
        payload: body,
      });
    const now = Math.floor(clock.now() / 1000);
    expect((await post(signSandboxWebhook('forged', body, now))).statusCode).toBe(401);
    const res = await post(signSandboxWebhook(secret, body, now));
    expect(res.statusCode).toBe(200);
    const result = res.json();
    expect((await post(signSandboxWebhook(secret, body, now))).json()).toMatchObject({
      duplicate: true,
    });
    await app.close();
    expect(result).toMatchObject({
      leaseId: 'S-2',
      appended: true,
      proofStatus: 'delivered',
      outboxStatus: 'delivered',
      serviceFailed: false,
      reserveTasks: [],
    });
  });

  it('an unknown tracking number is not found', async () => {
    await expect(
      recordMailEvent(deps(), 'default', {
        trackingNumber: '9407000000',
        type: 'returned',
        at: '2026-10-21T19:00:00Z',
      }),
    ).rejects.toThrow('no mailed notice has tracking number 9407000000');
  });
});
