/**
 * One-click unsubscribe (RFC 8058): the contact stops receiving e-mail at once. Recorded as
 * the tenant's own `UNSUBSCRIBE` reply on the e-mail channel, dated the local day at the
 * tenant's property, so the evaluator (R12) and the dispatch re-check treat it exactly like
 * an opt-out written back; clicking twice records it once.
 */
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { PortfolioStore, TenantLeases } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';
import { recordEvents } from './record-events.js';

export interface OptOutDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  state: ScanStateStore;
  tenantLeases: TenantLeases;
}

export async function optOutByLink(
  deps: OptOutDeps,
  subject: { orgId: string; contactId: string },
): Promise<{ recorded: boolean }> {
  const leases = await deps.tenantLeases.leasesOfTenant(subject.orgId, subject.contactId);
  if (leases.length === 0) return { recorded: false };
  // The earliest local date among the tenant's properties: in force everywhere at once.
  const now = deps.clock.now();
  const date = leases
    .map((l) => epochToLocal(now, l.timezone).date)
    .reduce((a, b) => (a < b ? a : b));
  await recordEvents(
    deps,
    subject.orgId,
    [
      {
        tenantId: subject.contactId,
        date,
        type: 'reply',
        channel: 'email',
        text: 'UNSUBSCRIBE',
        by: 'unsubscribe-link',
      },
    ],
    'unsubscribe',
    `tenant:${subject.contactId}`,
  );
  return { recorded: true };
}
