/**
 * Staff alerts after a worker pass: drafts waiting for approval go to the channel once,
 * with their keys for the approve buttons; the same queue is not posted again; a failed
 * post is retried on the next pass.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { lateNoticePolicy, importOakCourt } from '../../test/support/oak-court.js';
import { storesFor } from '../main.js';
import { alertMemoryRepo } from '../storage/repos/alert-memory-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { fixedClock } from './ports/clock.js';
import { scanPortfolio } from './scan-portfolio.js';
import { sendAlerts, type AlertMessage, type AlertSink } from './send-alerts.js';

let n = 0;

forEachDialect('staff alerts', (h) => {
  it('posts the waiting drafts once, and again only when the queue changes', async () => {
    const db = await h.openMigrated();
    const org = `alerts-${++n}`;
    await ensureOrganisation(db, { id: org, name: org, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-10-06T18:00:00Z'));
    const stores = storesFor(db);
    await stores.policies.save(
      org,
      lateNoticePolicy('{id: sms, type: message, channel: sms, template: late-notice}'),
      'test',
      '2026-09-30T12:00:00.000Z',
    );
    await importOakCourt({ clock, ...stores }, org);
    await scanPortfolio({ clock, ...stores }, { orgId: org });

    const posted: AlertMessage[] = [];
    let up = false;
    const slack: AlertSink = {
      id: 'slack',
      notify: (alert) => {
        if (!up) return Promise.resolve({ ok: false, detail: 'channel_not_found' });
        posted.push(alert);
        return Promise.resolve({ ok: true, detail: 'posted' });
      },
    };
    const deps = {
      outbox: createOutboxRepo(db, clock),
      outboxCounts: () => Promise.resolve({}),
      lastScanFinishedAt: () => Promise.resolve('2026-10-06T09:00:00.000Z'),
      memory: alertMemoryRepo(db),
      clock,
      dashboardUrl: 'https://arrears.example.com',
    };

    const down = await sendAlerts(deps, org, [slack]);
    expect(down.failed).toEqual([
      { kind: 'queue_waiting', sink: 'slack', detail: 'channel_not_found' },
    ]);
    up = true;
    expect((await sendAlerts(deps, org, [slack])).sent).toEqual(['queue_waiting']);
    expect(posted[0]).toMatchObject({
      kind: 'queue_waiting',
      url: 'https://arrears.example.com/queue',
      items: [expect.objectContaining({ key: expect.stringMatching(/:late-notice:sms/) })],
    });
    clock.advance(2 * 3_600_000);
    expect((await sendAlerts(deps, org, [slack])).sent).toEqual([]);
    expect(posted).toHaveLength(1);
  });
});
