/**
 * R10 at dispatch, on every engine: the provider refuses the e-mail, so the action's
 * fallback text is queued at once with the same template, and goes on the next pass.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { lateNoticePolicy, oakCourt } from '../../test/support/oak-court.js';
import { inboundFor, storesFor } from '../main.js';
import { senderRegistry } from '../outbox/senders.js';
import { iso, newItem, scriptedRecheck, scriptedSender, T0 } from '../outbox/testing.js';
import type { Db } from '../storage/database.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { dispatchOutbox } from './dispatch-outbox.js';
import { importJsonPortfolio } from './import-portfolio.js';
import { makeFallbackPlanner } from './plan-fallback.js';
import { receiveDeliveryStatus } from './receive-reply.js';
import { fixedClock } from './ports/clock.js';

const ORG = 'fallback';
const portfolio = oakCourt();
const policy = lateNoticePolicy(
  '{id: notice, type: message, channel: email, template: late-notice, fallback: sms}',
);

/** An organisation with Oak Court, the policy, and the e-mail notice approved to go. */
async function withApprovedEmail(db: Db, org: string) {
  await ensureOrganisation(db, { id: org, name: org, at: iso(T0) });
  const clock = fixedClock(T0);
  const stores = storesFor(db);
  await stores.policies.save(org, policy, 'test', iso(T0));
  await importJsonPortfolio(
    { clock, ...stores },
    {
      orgId: org,
      fileName: 'p.json',
      text: JSON.stringify(portfolio),
      format: 'json',
      actor: 'test',
    },
  );
  const outbox = createOutboxRepo(db, clock);
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      org,
      [
        newItem('L1:1:late-notice:notice', {
          leaseId: 'L1',
          stage: 'late-notice',
          action: 'notice',
          channel: 'email',
          method: 'email',
          contactId: 'T1',
          approvalsRequired: 0,
          policyId: 'residential-ca',
          policyVersion: 1,
          payload: { template: 'late-notice', pastDueCents: 150000 },
        }),
      ],
      'system:scan',
    ),
  );
  return { clock, stores, outbox };
}

forEachDialect('fallback at dispatch', (h) => {
  it('a refused e-mail queues its sms fallback at once, and the same pass sends it', async () => {
    const db = await h.openMigrated();
    const { clock, stores, outbox } = await withApprovedEmail(db, ORG);
    const email = scriptedSender({
      id: 'smtp',
      idempotent: false,
      answer: () => ({ tag: 'rejected', code: '550', reason: 'mailbox unavailable' }),
    });
    const sms = scriptedSender({ id: 'sms' });
    const deps = {
      outbox,
      recheck: scriptedRecheck(),
      senders: senderRegistry({ 'message:email': email, 'message:sms': sms }),
      clock,
      workerId: 'w-1',
      onFailed: makeFallbackPlanner({ clock, ...stores }),
    };
    await dispatchOutbox(deps, { orgId: ORG });
    expect((await outbox.get(ORG, 'L1:1:late-notice:notice'))!.status).toBe('failed');
    const fallback = (await outbox.get(ORG, 'L1:1:late-notice:notice:fallback'))!;
    expect(fallback).toMatchObject({
      status: 'sent',
      channel: 'sms',
      contactId: 'T1',
      payload: expect.objectContaining({
        fallbackFor: 'L1:1:late-notice:notice',
        template: 'late-notice',
      }),
    });
    expect(String(fallback.payload.body)).toContain('Hi Ana');
    expect(sms.calls).toEqual(['L1:1:late-notice:notice:fallback']);
    // A refused fallback has no fallback of its own.
    expect(await outbox.get(ORG, 'L1:1:late-notice:notice:fallback:fallback')).toBeUndefined();
  });

  it('an e-mail that bounces after it was sent is tried by sms at once (R10)', async () => {
    const db = await h.openMigrated();
    const org = 'bounce';
    const { clock, stores, outbox } = await withApprovedEmail(db, org);
    const email = scriptedSender({ id: 'sandbox-email' });
    const sms = scriptedSender({ id: 'sms' });
    await dispatchOutbox(
      {
        outbox,
        recheck: scriptedRecheck(),
        senders: senderRegistry({ 'message:email': email }),
        clock,
        workerId: 'w-1',
      },
      { orgId: org },
    );
    expect((await outbox.get(org, 'L1:1:late-notice:notice'))!.status).toBe('sent');

    await receiveDeliveryStatus(
      { ...inboundFor(db, clock), onFailed: makeFallbackPlanner({ clock, ...stores }) },
      {
        orgId: org,
        provider: 'sandbox-email',
        eventId: 'evt-bounce',
        status: 'bounced',
        providerMessageId: 'ext-L1:1:late-notice:notice',
        at: iso(T0 + 60_000),
      },
    );
    expect((await outbox.get(org, 'L1:1:late-notice:notice'))!.status).toBe('failed');
    expect(await outbox.get(org, 'L1:1:late-notice:notice:fallback')).toMatchObject({
      status: 'approved',
      channel: 'sms',
      payload: expect.objectContaining({ fallbackFor: 'L1:1:late-notice:notice' }),
    });
    await dispatchOutbox(
      {
        outbox,
        recheck: scriptedRecheck(),
        senders: senderRegistry({ 'message:sms': sms }),
        clock,
        workerId: 'w-2',
      },
      { orgId: org },
    );
    expect(sms.calls).toEqual(['L1:1:late-notice:notice:fallback']);
  });
});
