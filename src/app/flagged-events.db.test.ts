/**
 * A lease flagged by staff, or a tenant marked at risk, is a case event of its own
 * (`case.flagged`) for write-back sinks and Zapier: a helpdesk opens a ticket for it.
 * Recording the same event again publishes nothing new.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { importOakCourt } from '../../test/support/oak-court.js';
import { storesFor } from '../main.js';
import { hookSubscriptionsRepo } from '../storage/repos/hook-subscriptions-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { fixedClock } from './ports/clock.js';
import { AUDIT_TYPE_OF, publicEventOf } from './publish-events.js';
import { recordEvents } from './record-events.js';

let n = 0;

forEachDialect('flagged leases as case events', (h) => {
  it('a flag and an at-risk status each become one case.flagged event', async () => {
    const db = await h.openMigrated();
    const org = `flags-${++n}`;
    await ensureOrganisation(db, { id: org, name: org, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-10-06T18:00:00Z'));
    const stores = storesFor(db);
    await importOakCourt({ clock, ...stores }, org);
    const events = [
      { id: 'F1', leaseId: 'L1', date: '2026-10-06', type: 'flag' as const },
      {
        id: 'S1',
        leaseId: 'L1',
        date: '2026-10-06',
        type: 'status' as const,
        status: 'at_risk' as const,
      },
      {
        id: 'S2',
        leaseId: 'L1',
        date: '2026-10-06',
        type: 'status' as const,
        status: 'current' as const,
      },
    ];
    await recordEvents({ clock, ...stores }, org, events, 'test', 'user:clerk');
    await recordEvents({ clock, ...stores }, org, events, 'test', 'user:clerk');
    const { entries } = await hookSubscriptionsRepo(db).readAudit(
      org,
      0,
      [AUDIT_TYPE_OF['case.flagged']],
      100,
    );
    const published = entries.map((e) => publicEventOf(org, e));
    expect(published).toEqual([
      expect.objectContaining({
        event: 'case.flagged',
        leaseId: 'L1',
        kind: 'flag',
        flaggedOn: '2026-10-06',
      }),
      expect.objectContaining({ event: 'case.flagged', leaseId: 'L1', kind: 'at_risk' }),
    ]);
  });
});
