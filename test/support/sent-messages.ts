/**
 * Oak Court (oak-court.ts) with `count` text messages sent through a scripted provider,
 * their provider ids `ext-KEY`: the starting point of the delivery-receipt tests.
 */
import { dispatchOutbox } from '../../src/app/dispatch-outbox.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { storesFor } from '../../src/main.js';
import { senderRegistry } from '../../src/outbox/senders.js';
import { iso, newItem, scriptedRecheck, scriptedSender, T0 } from '../../src/outbox/testing.js';
import type { Db } from '../../src/storage/database.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { lateNoticePolicy, importOakCourt } from './oak-court.js';

/** The key of the i-th sent message. */
export const sentKeyOf = (i: number) => `L1:1:late-notice:sms-${i}`;

export async function withSentMessages(db: Db, org: string, count: number) {
  await ensureOrganisation(db, { id: org, name: org, at: iso(T0) });
  const clock = fixedClock(T0);
  const stores = storesFor(db);
  await stores.policies.save(
    org,
    lateNoticePolicy('{id: sms, type: message, channel: sms, template: late-notice}'),
    'test',
    iso(T0),
  );
  await importOakCourt({ clock, ...stores }, org);
  const outbox = createOutboxRepo(db, clock);
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      org,
      Array.from({ length: count }, (_, i) =>
        newItem(sentKeyOf(i), { action: `sms-${i}`, approvalsRequired: 0 }),
      ),
      'system:scan',
    ),
  );
  await dispatchOutbox(
    {
      outbox,
      recheck: scriptedRecheck(),
      senders: senderRegistry({ 'message:sms': scriptedSender({ id: 'sms' }) }),
      clock,
      workerId: 'w-1',
    },
    { orgId: org },
  );
  return { clock, outbox };
}
