/**
 * Tenant erasure (SPEC 7; app/erase-tenant.ts decides, this writes): in one transaction under
 * the organisation's audit lock, blank the tenant's personal data wherever the schema keeps
 * it and tombstone the audit entries carrying it.
 *
 *   tenants            name → `[erased]`, email / phone → null, data → id, role, language
 *   events             the tenant's events (theirs by tenant id, sender, or sole tenancy of
 *                      the lease): reply text, sender, notes and reasons
 *   replies            body → `[erased]`, sender and classification → null
 *   outbox (+versions, tasks)  items to the tenant, and lease-level items of their leases:
 *                      content keeps only the engine's fields; open items to them cancelled
 *   proofs_of_service  data of proofs for the tenant → null
 *   ledger_entries     a memo naming the tenant is dropped; amounts stay
 *   audit              entries about `tenant:<id>` or whose data carries the tenant's name
 *                      or contact points → tombstones, recorded by one `audit.erased` entry
 *   lease_state        the leases are marked changed, so the next scan re-evaluates them
 */
import type {
  ErasureFacts,
  ErasureRefusal,
  ErasureRequest,
  TenantErasureOutcome,
  TenantErasureStore,
  TenantErasureSummary,
} from '../../app/erase-tenant.js';
import {
  carriesPersonalData,
  ERASED,
  erasedTenant,
  personalNeedles,
  scrubContent,
  scrubDiff,
  scrubEvent,
} from '../../app/erase-tenant.js';
import type { JsonObject } from '../../app/ports/outbox.js';
import type { Clock } from '../../app/ports/clock.js';
import { systemClock } from '../../app/ports/clock.js';
import { canonicalJson, type JsonValue } from '../../domain/audit/canonical-json.js';
import { isTombstone } from '../../domain/audit/chain.js';
import type { Db, DbTransaction } from '../database.js';
import { AUDIT_ERASED, eraseSubjectData } from './audit-repo.js';
import { lockOrganisation } from './organisations-repo.js';
import { createOutboxRepo } from './outbox-repo.js';
import { markLeasesChanged } from './scan-state-repo.js';
import { chunks } from './bulk-rows.js';

const CHUNK = 400;
const AUDIT_PAGE = 1000;

function parseObject(text: string | null): JsonObject | undefined {
  if (text === null) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

export function createErasureRepo(db: Db, clock: Clock = systemClock): TenantErasureStore {
  const outbox = createOutboxRepo(db, clock);
  return {
    eraseTenant: (orgId, tenantId, request, guard) =>
      db.transaction(async (trx): Promise<TenantErasureOutcome> => {
        await lockOrganisation(trx, orgId);
        const row = await trx
          .selectFrom('tenants')
          .select(['id', 'name', 'email', 'phone', 'data'])
          .where('org_id', '=', orgId)
          .where('id', '=', tenantId)
          .executeTakeFirst();
        if (!row) return { ok: false, notFound: true };
        // The columns as well as the JSON: either may be the one a reader shows.
        const tenant: JsonObject = {
          ...parseObject(row.data),
          id: row.id,
          name: row.name,
          ...(row.email !== null ? { email: row.email } : {}),
          ...(row.phone !== null ? { phone: row.phone } : {}),
        };
        const leaseIds = (
          await trx
            .selectFrom('lease_tenants')
            .select('lease_id')
            .where('org_id', '=', orgId)
            .where('tenant_id', '=', tenantId)
            .orderBy('lease_id')
            .execute()
        ).map((r) => r.lease_id);
        const cases: ErasureFacts['cases'] = [];
        for (const part of chunks(leaseIds, CHUNK))
          for (const c of await trx
            .selectFrom('cases')
            .leftJoin('leases', (j) =>
              j
                .onRef('leases.org_id', '=', 'cases.org_id')
                .onRef('leases.id', '=', 'cases.lease_id'),
            )
            .leftJoin('properties', (j) =>
              j
                .onRef('properties.org_id', '=', 'leases.org_id')
                .onRef('properties.id', '=', 'leases.property_id'),
            )
            .select(['cases.lease_id', 'cases.episode', 'cases.closed', 'properties.timezone'])
            .where('cases.org_id', '=', orgId)
            .where('cases.lease_id', 'in', part)
            .orderBy('cases.lease_id')
            .orderBy('cases.episode')
            .execute())
            cases.push({
              leaseId: c.lease_id,
              episode: c.episode,
              closed: c.closed,
              timezone: c.timezone ?? 'UTC',
            });
        const refused: ErasureRefusal | undefined = guard({ tenant, leaseIds, cases });
        if (refused) return { ok: false, refused };

        const needles = personalNeedles(tenant);
        const summary: TenantErasureSummary = {
          tenantId,
          leaseIds,
          auditEntriesErased: [],
          erasureSeq: 0,
          blanked: {
            tenants: 0,
            events: 0,
            replies: 0,
            outbox: 0,
            outboxVersions: 0,
            tasks: 0,
            proofsOfService: 0,
            ledgerMemos: 0,
          },
          cancelled: [],
        };
        const soleLeases = await leasesOnlyOf(trx, orgId, tenantId, leaseIds);
        await eraseOutbox(trx, orgId, tenantId, leaseIds, request, summary, outbox);
        await eraseEvents(trx, orgId, tenantId, leaseIds, soleLeases, tenant, summary);
        await eraseReplies(trx, orgId, tenantId, tenant, summary);
        summary.blanked.proofsOfService = Number(
          (
            await trx
              .updateTable('proofs_of_service')
              .set({ data: null, updated_at: request.at })
              .where('org_id', '=', orgId)
              .where('contact_id', '=', tenantId)
              .where('data', 'is not', null)
              .executeTakeFirst()
          ).numUpdatedRows,
        );
        await eraseLedgerMemos(trx, orgId, leaseIds, needles, summary);
        const blank = erasedTenant(tenant);
        await trx
          .updateTable('tenants')
          .set({
            name: ERASED,
            email: null,
            phone: null,
            language: typeof blank.language === 'string' ? blank.language : 'en',
            data: canonicalJson(blank),
            updated_at: request.at,
          })
          .where('org_id', '=', orgId)
          .where('id', '=', tenantId)
          .execute();
        summary.blanked.tenants = 1;
        await markLeasesChanged(trx, orgId, leaseIds, request.at);

        const seqs = await auditSeqsCarrying(trx, orgId, needles);
        const erased = await eraseSubjectData(trx, orgId, `tenant:${tenantId}`, request, {
          seqs,
          data: {
            tenantId,
            leaseIds,
            blanked: summary.blanked,
            cancelled: summary.cancelled,
          },
        });
        summary.auditEntriesErased = erased.erased;
        summary.erasureSeq = erased.entry.seq;
        return { ok: true, summary };
      }),
  };
}

/** Leases on which the tenant is the only tenant: what happens on them is about them. */
async function leasesOnlyOf(
  trx: DbTransaction,
  orgId: string,
  tenantId: string,
  leaseIds: readonly string[],
): Promise<Set<string>> {
  const others = new Set<string>();
  for (const part of chunks(leaseIds, CHUNK))
    for (const r of await trx
      .selectFrom('lease_tenants')
      .select('lease_id')
      .where('org_id', '=', orgId)
      .where('lease_id', 'in', part)
      .where('tenant_id', '<>', tenantId)
      .execute())
      others.add(r.lease_id);
  return new Set(leaseIds.filter((id) => !others.has(id)));
}

async function eraseOutbox(
  trx: DbTransaction,
  orgId: string,
  tenantId: string,
  leaseIds: readonly string[],
  request: ErasureRequest,
  summary: TenantErasureSummary,
  outbox: ReturnType<typeof createOutboxRepo>,
): Promise<void> {
  const rows: { key: string; status: string; contact_id: string | null; payload: string }[] = [];
  rows.push(
    ...(await trx
      .selectFrom('outbox')
      .select(['key', 'status', 'contact_id', 'payload'])
      .where('org_id', '=', orgId)
      .where('contact_id', '=', tenantId)
      .execute()),
  );
  for (const part of chunks(leaseIds, CHUNK))
    rows.push(
      ...(await trx
        .selectFrom('outbox')
        .select(['key', 'status', 'contact_id', 'payload'])
        .where('org_id', '=', orgId)
        .where('lease_id', 'in', part)
        .where('contact_id', 'is', null)
        .execute()),
    );
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys: string[] = [];
  for (const r of rows) {
    // Nothing can be sent to a person whose contact points are gone.
    if (r.contact_id === tenantId && (r.status === 'draft' || r.status === 'approved')) {
      await outbox.transition(trx, orgId, r.key, 'cancelled', {
        actor: request.by,
        reason: 'erased',
        at: request.at,
      });
      summary.cancelled.push(r.key);
    }
    keys.push(r.key);
    const content = parseObject(r.payload) ?? {};
    const scrubbed = canonicalJson(scrubContent(content));
    if (scrubbed === canonicalJson(content)) continue;
    await trx
      .updateTable('outbox')
      .set({ payload: scrubbed })
      .where('org_id', '=', orgId)
      .where('key', '=', r.key)
      .execute();
    summary.blanked.outbox++;
  }
  for (const part of chunks(keys, CHUNK)) {
    const versions = await trx
      .selectFrom('outbox_versions')
      .select(['key', 'version', 'content', 'diff'])
      .where('org_id', '=', orgId)
      .where('key', 'in', part)
      .execute();
    for (const v of versions) {
      const content = canonicalJson(scrubContent(parseObject(v.content) ?? {}));
      let diff: string | null = null;
      if (v.diff !== null) {
        try {
          diff = canonicalJson(scrubDiff(JSON.parse(v.diff) as JsonValue));
        } catch {
          diff = null;
        }
      }
      if (content === v.content && diff === v.diff) continue;
      await trx
        .updateTable('outbox_versions')
        .set({ content, diff })
        .where('org_id', '=', orgId)
        .where('key', '=', v.key)
        .where('version', '=', v.version)
        .execute();
      summary.blanked.outboxVersions++;
    }
    const tasks = await trx
      .selectFrom('tasks')
      .select(['id', 'data'])
      .where('org_id', '=', orgId)
      .where('outbox_key', 'in', part)
      .execute();
    for (const t of tasks) {
      const data = parseObject(t.data);
      if (!data) continue;
      const scrubbed = canonicalJson(scrubContent(data));
      if (scrubbed === canonicalJson(data)) continue;
      await trx
        .updateTable('tasks')
        .set({ data: scrubbed })
        .where('org_id', '=', orgId)
        .where('id', '=', t.id)
        .execute();
      summary.blanked.tasks++;
    }
  }
}

async function eraseEvents(
  trx: DbTransaction,
  orgId: string,
  tenantId: string,
  leaseIds: readonly string[],
  soleLeases: ReadonlySet<string>,
  tenant: JsonObject,
  summary: TenantErasureSummary,
): Promise<void> {
  const rows: { id: string; lease_id: string | null; tenant_id: string | null; payload: string }[] =
    [];
  rows.push(
    ...(await trx
      .selectFrom('events')
      .select(['id', 'lease_id', 'tenant_id', 'payload'])
      .where('org_id', '=', orgId)
      .where('tenant_id', '=', tenantId)
      .execute()),
  );
  for (const part of chunks(leaseIds, CHUNK))
    rows.push(
      ...(await trx
        .selectFrom('events')
        .select(['id', 'lease_id', 'tenant_id', 'payload'])
        .where('org_id', '=', orgId)
        .where('lease_id', 'in', part)
        .execute()),
    );
  const contacts = [tenant.email, tenant.phone]
    .filter((c): c is string => typeof c === 'string')
    .map((c) => c.toLowerCase());
  const done = new Set<string>();
  for (const r of rows) {
    if (done.has(r.id)) continue;
    done.add(r.id);
    const event = parseObject(r.payload);
    if (!event) continue;
    const from = typeof event.from === 'string' ? event.from.toLowerCase() : undefined;
    const theirs =
      r.tenant_id === tenantId ||
      event.tenantId === tenantId ||
      event.contactId === tenantId ||
      (from !== undefined && contacts.includes(from)) ||
      (event.tenantId === undefined && r.lease_id !== null && soleLeases.has(r.lease_id));
    if (!theirs) continue;
    const scrubbed = canonicalJson(scrubEvent(event));
    if (scrubbed === canonicalJson(event)) continue;
    await trx
      .updateTable('events')
      .set({ payload: scrubbed })
      .where('org_id', '=', orgId)
      .where('id', '=', r.id)
      .execute();
    summary.blanked.events++;
  }
}

async function eraseReplies(
  trx: DbTransaction,
  orgId: string,
  tenantId: string,
  tenant: JsonObject,
  summary: TenantErasureSummary,
): Promise<void> {
  const contacts = [tenant.email, tenant.phone].filter((c): c is string => typeof c === 'string');
  const result = await trx
    .updateTable('replies')
    .set({ body: ERASED, from_address: null, classification: null })
    .where('org_id', '=', orgId)
    .where((eb) =>
      contacts.length > 0
        ? eb.or([eb('tenant_id', '=', tenantId), eb('from_address', 'in', contacts)])
        : eb('tenant_id', '=', tenantId),
    )
    .executeTakeFirst();
  summary.blanked.replies = Number(result.numUpdatedRows);
}

async function eraseLedgerMemos(
  trx: DbTransaction,
  orgId: string,
  leaseIds: readonly string[],
  needles: readonly string[],
  summary: TenantErasureSummary,
): Promise<void> {
  for (const part of chunks(leaseIds, CHUNK)) {
    const rows = await trx
      .selectFrom('ledger_entries')
      .select(['id', 'data'])
      .where('org_id', '=', orgId)
      .where('lease_id', 'in', part)
      .execute();
    for (const r of rows) {
      const entry = parseObject(r.data);
      if (!entry || !carriesPersonalData(entry.memo, needles)) continue;
      const { memo: _memo, ...rest } = entry;
      await trx
        .updateTable('ledger_entries')
        .set({ data: canonicalJson(rest) })
        .where('org_id', '=', orgId)
        .where('id', '=', r.id)
        .execute();
      summary.blanked.ledgerMemos++;
    }
  }
}

/**
 * Seqs of audit entries whose data carries one of the needles, read a page at a time (an
 * erasure is rare; a scan of the chain is the price of not missing an entry).
 */
async function auditSeqsCarrying(
  trx: DbTransaction,
  orgId: string,
  needles: readonly string[],
): Promise<number[]> {
  if (needles.length === 0) return [];
  const found: number[] = [];
  let after = 0;
  for (;;) {
    const rows = await trx
      .selectFrom('audit')
      .select(['seq', 'data'])
      .where('org_id', '=', orgId)
      .where('seq', '>', after)
      .where('type', '<>', AUDIT_ERASED)
      .orderBy('seq')
      .limit(AUDIT_PAGE)
      .execute();
    for (const r of rows) {
      after = r.seq;
      let data: JsonValue;
      try {
        data = JSON.parse(r.data) as JsonValue;
      } catch {
        // Unparsable data is tampered data: eraseSubjectData refuses it when it is named,
        // and `arrears audit verify` reports it; a raw match still names it.
        if (needles.some((n) => r.data.toLowerCase().includes(n))) found.push(r.seq);
        continue;
      }
      if (!isTombstone(data) && carriesPersonalData(data, needles)) found.push(r.seq);
    }
    if (rows.length < AUDIT_PAGE) break;
  }
  return found;
}
