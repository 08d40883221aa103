/**
 * Reading the audit log over the API (SPEC 7): a page of one organisation's chain by `seq`,
 * filtered by subject and type, and the verification of that chain — the same check as
 * `arrears audit verify`, for the caller's organisation only (another organisation's ids
 * and counts are not the caller's business).
 *
 * A caller limited to some properties reads only entries about their leases: subjects
 * `lease:<id>`, `outbox:<key>` of those leases' items and `proof:<id>` of their proofs.
 */
import type { AuditEntry, BreakReason } from '../domain/audit/chain.js';
import type { Visibility } from './lease-access.js';

export interface AuditQuery {
  order: 'asc' | 'desc';
  /** The last seq of the previous page (exclusive). */
  afterSeq?: number;
  limit: number;
  subject?: string;
  type?: string;
  /** Only entries about leases of these properties; null / undefined: every entry. */
  propertyIds?: readonly string[] | null;
}

export type ChainVerification =
  | { orgId: string; ok: true; entries: number }
  | {
      orgId: string;
      ok: false;
      entries: number;
      seq: number;
      reason: BreakReason;
      message: string;
    };

/** storage/repos/audit-log-repo.ts */
export interface AuditLog {
  list(orgId: string, query: AuditQuery): Promise<AuditEntry[]>;
  /** Verifies one organisation's chain from one consistent snapshot. */
  verify(orgId: string): Promise<ChainVerification>;
}

/** Up to `limit + 1` entries after `afterSeq` in `order` (the extra one: more follow). */
export function readAudit(
  audit: AuditLog,
  v: Visibility,
  query: Omit<AuditQuery, 'propertyIds' | 'limit'> & { limit: number },
): Promise<AuditEntry[]> {
  return audit.list(v.orgId, {
    ...query,
    limit: query.limit + 1,
    propertyIds: v.propertyIds ?? null,
  });
}

/** `arrears audit verify --json` for the caller's organisation. */
export async function verifyAuditOf(audit: AuditLog, orgId: string) {
  const org = await audit.verify(orgId);
  return { ok: org.ok, entries: org.entries, organisations: [org] };
}
