/**
 * Pay links in messages (SPEC 11: "pay links in messages" from the payments connector): a
 * scan asks the payments connector for the lease's hosted invoice page and the drafted
 * text carries it; a connector that cannot answer leaves the message without a link.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { lateNoticePolicy, importOakCourt } from '../../test/support/oak-court.js';
import { storesFor } from '../main.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { fixedClock } from './ports/clock.js';
import { scanPortfolio } from './scan-portfolio.js';

let n = 0;

forEachDialect('pay links in messages', (h) => {
  it('the drafted e-mail carries the pay link the payments connector gives for the lease', async () => {
    const db = await h.openMigrated();
    const org = `paylinks-${++n}`;
    await ensureOrganisation(db, { id: org, name: org, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-10-06T18:00:00Z'));
    const stores = storesFor(db);
    await stores.policies.save(
      org,
      lateNoticePolicy('{id: email, type: message, channel: email, template: late-notice}'),
      'test',
      '2026-09-30T12:00:00.000Z',
    );
    await importOakCourt({ clock, ...stores }, org);
    const asked: string[] = [];
    await scanPortfolio(
      {
        clock,
        ...stores,
        payLinks: (_org, leases) => {
          asked.push(...leases.map((l) => l.leaseId));
          return Promise.resolve(new Map([['L1', 'https://pay.example.com/i/inv_123']]));
        },
      },
      { orgId: org },
    );
    expect(asked).toContain('L1');
    const { items } = await createOutboxRepo(db, clock).list(org, { limit: 50 });
    const email = items.find((i) => i.leaseId === 'L1' && i.channel === 'email');
    expect(email?.payload.body).toContain('https://pay.example.com/i/inv_123');
  });
});
