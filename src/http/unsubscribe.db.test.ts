/**
 * One-click unsubscribe, end to end on every engine: the link in an e-mail's header, a
 * mail client's RFC 8058 POST, the opt-out recorded as the tenant's reply, and the next
 * plan skipping e-mail to them (opted_out) while text messages still go.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { lateNoticePolicy, oakCourt } from '../../test/support/oak-court.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { optOutByLink } from '../app/opt-out-by-link.js';
import { fixedClock } from '../app/ports/clock.js';
import { scanPortfolio } from '../app/scan-portfolio.js';
import { storesFor } from '../main.js';
import { unsubscribeToken } from '../outbox/unsubscribe-token.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { tenantLeasesStore } from '../storage/repos/tenant-leases-repo.js';
import { buildApp } from './app.js';
import { fakeDeps } from './testing.js';

const SECRET = 'unsubscribe-test-secret';
const ORG = 'unsub';

const portfolio = oakCourt();
const policy = lateNoticePolicy(
  '{id: email, type: message, channel: email, template: late-notice}',
  '{id: sms, type: message, channel: sms, template: late-notice}',
);

forEachDialect('one-click unsubscribe', (h) => {
  it('a mail client’s one-click POST opts the tenant out of e-mail at once; a forged link is a 404', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: ORG, name: ORG, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-10-05T18:00:00Z'));
    const stores = storesFor(db);
    const deps = { clock, ...stores, tenantLeases: tenantLeasesStore(db) };
    await stores.policies.save(ORG, policy, 'test', '2026-09-30T12:00:00.000Z');
    await importJsonPortfolio(deps, {
      orgId: ORG,
      fileName: 'p.json',
      text: JSON.stringify(portfolio),
      format: 'json',
      actor: 'test',
    });
    const { deps: appDeps } = fakeDeps();
    const app = await buildApp({
      ...appDeps,
      clock,
      unsubscribe: { secret: SECRET, optOut: (s) => optOutByLink(deps, s) },
    });
    const token = unsubscribeToken(SECRET, { orgId: ORG, contactId: 'T1' });

    const page = await app.inject({ method: 'GET', url: `/unsubscribe/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    const forged = unsubscribeToken('not-the-secret', { orgId: ORG, contactId: 'T1' });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/unsubscribe/${forged}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'List-Unsubscribe=One-Click',
        })
      ).statusCode,
    ).toBe(404);

    for (let i = 0; i < 2; i++) {
      const res = await app.inject({
        method: 'POST',
        url: `/unsubscribe/${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('You are unsubscribed');
    }
    const events = await db.kysely
      .selectFrom('events')
      .select(['type', 'tenant_id', 'date'])
      .where('org_id', '=', ORG)
      .execute();
    expect(events).toEqual([{ type: 'reply', tenant_id: 'T1', date: '2026-10-05' }]);

    const at = Date.parse('2026-10-06T20:00:00Z');
    clock.set(at);
    await scanPortfolio(deps, { orgId: ORG, at });
    const items = await db.kysely
      .selectFrom('outbox')
      .select(['key', 'status', 'reason'])
      .where('org_id', '=', ORG)
      .orderBy('key')
      .execute();
    expect(items).toEqual([
      { key: 'L1:1:late-notice:email', status: 'skipped', reason: 'opted_out' },
      { key: 'L1:1:late-notice:sms', status: 'draft', reason: null },
    ]);
    await app.close();
  });
});
