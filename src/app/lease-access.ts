/**
 * Who may see which lease (SPEC 10 "every request is scoped to the caller's organisation
 * and properties"): a caller sees the leases of its organisation, and when its principal
 * names `propertyIds` (an owner, a manager limited to some properties) only the leases of
 * those properties. A lease the caller may not see is treated exactly like one that does
 * not exist, so nobody can probe for another organisation's or property's ids.
 */
import type { Lease, Portfolio, Property } from '../domain/portfolio/schema.js';
import type { PortfolioStore } from './ports/portfolio.js';

/** The caller's reach: an organisation and, when limited, the properties it may see. */
export interface Visibility {
  orgId: string;
  /** null / undefined: every property of the organisation. */
  propertyIds?: readonly string[] | null;
}

/** Whether the caller sees every property of its organisation. */
export function seesAllProperties(v: Visibility): boolean {
  return v.propertyIds === undefined || v.propertyIds === null;
}

export function seesProperty(v: Visibility, propertyId: string): boolean {
  return seesAllProperties(v) || v.propertyIds!.includes(propertyId);
}

export interface VisibleLease {
  /** The slice needed to evaluate the lease (its property, tenants, ledger, events, cases). */
  portfolio: Portfolio;
  lease: Lease;
  property: Property | undefined;
}

/** The lease and its slice of the portfolio, or undefined when it is missing or not visible. */
export async function visibleLease(
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>,
  v: Visibility,
  leaseId: string,
): Promise<VisibleLease | undefined> {
  const slice = await portfolio.loadPortfolio(v.orgId, [leaseId]);
  const lease = slice.leases.find((l) => l.id === leaseId);
  if (!lease || !seesProperty(v, lease.propertyId)) return undefined;
  return {
    portfolio: slice,
    lease,
    property: slice.properties.find((p) => p.id === lease.propertyId),
  };
}

/** The message of a lease that is missing or not visible (the same for both). */
export function noLease(leaseId: string): string {
  return `no lease ${leaseId}; GET /api/v1/leases lists the leases you can see`;
}
