/**
 * Erasing a tenant's personal data on a lawful request (SPEC 7): their name and contact
 * points, what they wrote to us, the text of messages addressed to them and every audit entry
 * carrying any of it. What the accounts need stays: leases, ledger amounts, cases, the
 * outbox's keys, statuses and amounts, and the audit chain itself (tombstoned entries keep
 * their hashes, so `arrears audit verify` still passes). One transaction: all of it or none.
 *
 * Refused while a lease of the tenant has an open case: the debt is still being collected,
 * and erasing the tenant's replies would silently drop the disputes and opt-outs they carry.
 * Close the case first. Only admins may erase.
 */
import type { JsonObject } from './ports/outbox.js';
import type { User } from './ports/users.js';
import type { Clock } from './ports/clock.js';
import type { JsonValue } from '../domain/audit/canonical-json.js';
import { AppError, InputError, type ErrorCode } from '../domain/errors.js';
import { epochToLocal } from '../domain/time.js';

/** What replaces a name or a text that must stay non-empty. */
export const ERASED = '[erased]';

export interface ErasureRequest {
  /** `user:<id>` of the admin. */
  by: string;
  reason: string;
  at: string;
}

/** What the store found inside the erasure's transaction, for the use case to decide on. */
export interface ErasureFacts {
  /** The tenant as stored (portfolio format). */
  tenant: JsonObject;
  leaseIds: string[];
  /** Episodes of those leases, with the local date each closes (null: not yet known). */
  cases: { leaseId: string; episode: number; closed: string | null; timezone: string }[];
}

export interface ErasureRefusal {
  code: ErrorCode;
  path?: string;
  message: string;
}

export interface TenantErasureSummary {
  tenantId: string;
  leaseIds: string[];
  /** Audit entries whose data was replaced by a tombstone now. */
  auditEntriesErased: number[];
  /** Seq of the `audit.erased` entry recording this erasure. */
  erasureSeq: number;
  /** Rows whose personal content was blanked, per table. */
  blanked: {
    tenants: number;
    events: number;
    replies: number;
    outbox: number;
    outboxVersions: number;
    tasks: number;
    proofsOfService: number;
    ledgerMemos: number;
  };
  /** Drafts and approved items addressed to the tenant, cancelled (reason `erased`). */
  cancelled: string[];
}

export type TenantErasureOutcome =
  | { ok: true; summary: TenantErasureSummary }
  | { ok: false; notFound: true }
  | { ok: false; refused: ErasureRefusal };

export interface TenantErasureStore {
  /**
   * Erases the tenant in one transaction under the organisation's audit lock. `guard` sees
   * the stored facts first; when it refuses, nothing is written.
   */
  eraseTenant(
    orgId: string,
    tenantId: string,
    request: ErasureRequest,
    guard: (facts: ErasureFacts) => ErasureRefusal | undefined,
  ): Promise<TenantErasureOutcome>;
}

export interface EraseTenantDeps {
  erasure: TenantErasureStore;
  clock: Clock;
}

export async function eraseTenant(
  deps: EraseTenantDeps,
  orgId: string,
  user: User,
  tenantId: string,
  reason: string,
): Promise<TenantErasureSummary> {
  const why = reason.trim();
  const issues = [];
  if (tenantId.trim() === '')
    issues.push({ path: 'TENANT_ID', message: 'name the tenant id, as the portfolio has it' });
  if (why === '')
    issues.push({
      path: '--reason',
      message: 'say what lawful request this answers, e.g. --reason "erasure request 2026-17"',
    });
  if (issues.length > 0) throw new InputError(issues);
  if (user.role !== 'admin')
    throw new AppError(
      'forbidden',
      `${user.email} is ${/^[aeiou]/.test(user.role) ? 'an' : 'a'} ${user.role}; only an admin may erase a tenant's personal data (act as an admin with --as EMAIL)`,
    );
  const request: ErasureRequest = {
    by: `user:${user.id}`,
    reason: why,
    at: new Date(deps.clock.now()).toISOString(),
  };
  const nowMs = deps.clock.now();
  const outcome = await deps.erasure.eraseTenant(orgId, tenantId, request, (facts) =>
    refusalFor(facts, why, nowMs),
  );
  if (outcome.ok) return outcome.summary;
  if ('notFound' in outcome)
    throw new InputError([
      {
        path: 'TENANT_ID',
        message: `no tenant ${tenantId} in organisation ${orgId}; use the tenant id of the portfolio (not the lease id or the name)`,
      },
    ]);
  const r = outcome.refused;
  if (r.code === 'invalid_input')
    throw new InputError([{ path: r.path ?? '', message: r.message }]);
  throw new AppError(r.code, r.message);
}

function refusalFor(
  facts: ErasureFacts,
  reason: string,
  nowMs: number,
): ErasureRefusal | undefined {
  // A case whose closing date is still ahead at the property is open today.
  const open = facts.cases.filter(
    (c) => c.closed === null || c.closed > epochToLocal(nowMs, c.timezone).date,
  );
  if (open.length > 0) {
    const list = open.map((c) => `lease ${c.leaseId} episode ${c.episode}`).join(', ');
    const lease = open[0]!.leaseId;
    return {
      code: 'conflict',
      message:
        `the tenant has an open case (${list}): its debt is still being collected and erasing ` +
        `their replies would drop the disputes and opt-outs they carry. Close it first ` +
        `(\`arrears case close ${lease} --outcome O --reason R\`, then \`arrears scan\`), then erase`,
    };
  }
  // The reason is kept forever (tombstones and the erasure entry are never erased).
  if (carriesPersonalData(reason, personalNeedles(facts.tenant)))
    return {
      code: 'invalid_input',
      path: '--reason',
      message:
        'the reason names the tenant or one of their contacts, and it is kept after the erasure; describe the request without them (e.g. a case number)',
    };
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Pure helpers the store uses: what counts as the tenant's personal data, and what is left
// of a row once it is removed.

/**
 * The strings that identify the tenant: name, e-mail, phone (with and without `+`) and
 * address (the whole of it and its first line), lower-case.
 */
export function personalNeedles(tenant: JsonObject): string[] {
  const out = new Set<string>();
  const add = (v: JsonValue | undefined) => {
    if (typeof v === 'string' && v.trim() !== '' && v !== ERASED) out.add(v.trim().toLowerCase());
  };
  add(tenant.name);
  add(tenant.email);
  add(tenant.phone);
  if (typeof tenant.phone === 'string') add(tenant.phone.replace(/^\+/, ''));
  const address = tenant.address;
  if (typeof address === 'string') add(address);
  else if (address !== null && typeof address === 'object' && !Array.isArray(address)) {
    add(address.line1);
    add(
      [address.line1, address.line2, address.city, address.region, address.postalCode]
        .filter((p) => typeof p === 'string' && p !== '')
        .join(', '),
    );
  }
  return [...out];
}

/**
 * Whether any string in `value` contains one of `needles` (case-insensitive). Needles
 * shorter than 4 characters must match a whole string: a two-letter name would otherwise
 * match half the log.
 */
export function carriesPersonalData(
  value: JsonValue | undefined,
  needles: readonly string[],
): boolean {
  if (needles.length === 0 || value === undefined || value === null) return false;
  if (typeof value === 'string') {
    const s = value.toLowerCase();
    return needles.some((n) => (n.length >= 4 ? s.includes(n) : s.trim() === n));
  }
  if (Array.isArray(value)) return value.some((v) => carriesPersonalData(v, needles));
  if (typeof value === 'object')
    return Object.values(value).some((v) => carriesPersonalData(v, needles));
  return false;
}

/** The tenant as stored after erasure: the id and its role on the lease, nothing about them. */
export function erasedTenant(tenant: JsonObject): JsonObject {
  return {
    id: tenant.id ?? null,
    name: ERASED,
    language: typeof tenant.language === 'string' ? tenant.language : 'en',
    role: typeof tenant.role === 'string' ? tenant.role : 'primary',
    // No consent and no contact point: nothing can be sent to an erased tenant.
    consent: {},
  };
}

/**
 * Outbox content keys the engine writes (app/plan-items.ts payloadOf, the past-due amount,
 * the review flag, task fields): everything else, a body, a subject, an edited recipient, is
 * text for or about the tenant and goes.
 */
const ENGINE_CONTENT_KEYS = new Set([
  'date',
  'at',
  'template',
  'title',
  'assignee',
  'category',
  'dueDate',
  'deny',
  'restore',
  'set',
  'to',
  'feeKind',
  'saleDate',
  'chargeId',
  'occurrence',
  'fallbackFor',
  'deferredFrom',
  'pastDueCents',
  'review',
]);

export function scrubContent(content: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(content).filter(([k]) => ENGINE_CONTENT_KEYS.has(k)));
}

/** An edit's stored diff without its values: which fields changed, not to what. */
export function scrubDiff(diff: JsonValue): JsonValue {
  if (!Array.isArray(diff)) return null;
  return diff.map((c) =>
    c !== null && typeof c === 'object' && !Array.isArray(c) && typeof c.path === 'string'
      ? { path: c.path }
      : null,
  );
}

/** Free-text and contact fields of a portfolio event (SPEC 3.1); what it did stays. */
const EVENT_TEXT_KEYS = ['from', 'note', 'reason'] as const;

export function scrubEvent(event: JsonObject): JsonObject {
  const out: JsonObject = { ...event };
  for (const k of EVENT_TEXT_KEYS) delete out[k];
  if (typeof out.text === 'string') out.text = ERASED;
  return out;
}
