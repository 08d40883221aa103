/**
 * Property scoping for routes that list or act on leases' items (SPEC 10): a caller limited
 * to some properties (an owner, a manager of a few buildings) sees only their leases, and an
 * item of another property answers 404 like a missing one.
 */
import type { FastifyRequest } from 'fastify';
import type { PortfolioStore } from '../../../app/ports/portfolio.js';
import { principalOf } from '../../auth.js';

/** The property ids the caller is limited to, or null when it sees them all. */
export function limitOf(request: FastifyRequest): readonly string[] | null {
  return principalOf(request).propertyIds ?? null;
}

/**
 * Of `leaseIds`, those the caller may see; null when it sees every property (no filtering
 * needed, nothing loaded).
 */
export async function visibleLeaseIds(
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>,
  request: FastifyRequest,
  leaseIds: readonly string[],
): Promise<Set<string> | null> {
  const limit = limitOf(request);
  if (limit === null) return null;
  if (leaseIds.length === 0 || limit.length === 0) return new Set();
  const { orgId } = principalOf(request);
  const slice = await portfolio.loadPortfolio(orgId, [...new Set(leaseIds)]);
  return new Set(slice.leases.filter((l) => limit.includes(l.propertyId)).map((l) => l.id));
}

/** Keeps the rows whose lease the caller may see. */
export async function onlyVisible<T>(
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>,
  request: FastifyRequest,
  rows: readonly T[],
  leaseOf: (row: T) => string | null | undefined,
): Promise<T[]> {
  const ids = rows.map(leaseOf).filter((x): x is string => typeof x === 'string');
  const visible = await visibleLeaseIds(portfolio, request, ids);
  if (visible === null) return [...rows];
  return rows.filter((r) => {
    const id = leaseOf(r);
    return typeof id === 'string' && visible.has(id);
  });
}
