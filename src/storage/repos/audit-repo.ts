/**
 * The audit log (SPEC 7) in the `audit` table: one hash chain per organisation, appended
 * in the transaction of the change it records, never updated or deleted except to
 * tombstone personal data on a lawful erasure request.
 *
 * The chain head (seq and hash of the last entry) is kept on the organisation row and
 * moved in the same transaction as each append. The append starts by UPDATE-ing that row,
 * which is the lock: a second writer of the same organisation waits for the first to
 * commit (a row lock on PostgreSQL, the write lock SQLite takes at BEGIN IMMEDIATE) and
 * then reads the new head, so two writers can never fork the chain. The head also lets
 * `verifyAudit` notice entries cut off the end of a chain. Append audit entries last in a
 * transaction so the head row is held as briefly as possible.
 */
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { canonicalJson, type JsonValue } from '../../domain/audit/canonical-json.js';
import {
  ChainVerifier,
  isTombstone,
  nextLink,
  sha256Hex,
  type AuditEntry,
  type AuditInput,
  type BreakReason,
  type ChainHead,
} from '../../domain/audit/chain.js';
import { AppError } from '../../domain/errors.js';
import { queryable, withTransaction, type Db, type DbTransaction } from '../database.js';
import type { AuditTable, Schema } from '../schema.js';
import { insertBulk, PG_BATCH_ROWS, pgInsert } from './bulk-rows.js';

/** Type of the entry that records an erasure (itself never erased). */
export const AUDIT_ERASED = 'audit.erased';

const PAGE = 1000;
const IN_BATCH = 500;

/** Appends one entry to the organisation's chain; `trx` must be the change's transaction. */
export async function appendAudit(
  trx: DbTransaction,
  orgId: string,
  input: AuditInput,
): Promise<AuditEntry> {
  const [link] = await appendLinks(trx, orgId, [input]);
  const { fields, hash, dataText } = link!;
  return { ...fields, data: JSON.parse(dataText) as JsonValue, hash };
}

/**
 * Appends several entries at once (one head update, one multi-row insert): the same chain
 * as appending them one by one, for writers that record many decisions in one transaction.
 */
export async function appendAuditMany(
  trx: DbTransaction,
  orgId: string,
  inputs: readonly AuditInput[],
  options: { head?: ChainHead } = {},
): Promise<void> {
  await appendLinks(trx, orgId, inputs, options.head);
}

/**
 * Appends `inputs`; `locked`: the head as `lockAuditHead` read it earlier in this
 * transaction (the organisation is locked since, so it still is the head).
 */
async function appendLinks(
  trx: DbTransaction,
  orgId: string,
  inputs: readonly AuditInput[],
  locked?: ChainHead,
): Promise<ReturnType<typeof nextLink>[]> {
  if (inputs.length === 0) return [];
  if (!trx.isTransaction)
    throw new Error('appendAudit must run inside the transaction of the change it records');
  let prev: ChainHead;
  if (locked) prev = locked;
  else {
    const head = await trx
      .updateTable('organisations')
      .set((eb) => ({ audit_seq: eb('audit_seq', '+', inputs.length) }))
      .where('id', '=', orgId)
      .returning(['audit_seq', 'audit_hash'])
      .executeTakeFirst();
    if (!head) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    prev = { seq: head.audit_seq - inputs.length, hash: head.audit_hash };
  }
  const links: ReturnType<typeof nextLink>[] = [];
  for (const input of inputs) {
    const link = nextLink(prev, input);
    links.push(link);
    prev = { seq: link.fields.seq, hash: link.hash };
  }
  const rows = links.map(({ fields, hash, dataText }) => ({
    org_id: orgId,
    seq: fields.seq,
    at: fields.at,
    actor: fields.actor,
    type: fields.type,
    subject: fields.subject,
    data: dataText,
    data_hash: fields.dataHash,
    prev_hash: fields.prevHash,
    hash,
  }));
  // PostgreSQL: the entries and the new head in one statement (one round trip, not two).
  if (trx.dialect === 'postgres' && rows.length <= PG_BATCH_ROWS) {
    const { text, params } = pgInsert('audit', rows, 4);
    await trx.executeQuery(
      CompiledQuery.raw(
        `with entries as (${text})
         update "organisations" set "audit_seq" = $1, "audit_hash" = $2 where "id" = $3`,
        [prev.seq, prev.hash, orgId, ...params],
      ),
    );
    return links;
  }
  await insertBulk(trx, 'audit', rows);
  await trx
    .updateTable('organisations')
    .set({ audit_seq: prev.seq, audit_hash: prev.hash })
    .where('id', '=', orgId)
    .execute();
  return links;
}

/** Entries of one chain in seq order, from `fromSeq` (default 1), at most `limit`. */
export async function readChain(
  db: Db | Kysely<Schema>,
  orgId: string,
  options: { fromSeq?: number; limit?: number } = {},
): Promise<AuditEntry[]> {
  let query = queryable(db)
    .selectFrom('audit')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('seq', '>=', options.fromSeq ?? 1)
    .orderBy('seq');
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query.execute();
  return rows.map((row) => {
    const data = parseData(row);
    if (data === undefined)
      throw new Error(`audit entry ${row.seq} of ${orgId}: stored data is not JSON`);
    return toEntry(row, data);
  });
}

export type OrgVerification =
  | { orgId: string; ok: true; entries: number }
  | {
      orgId: string;
      ok: false;
      entries: number;
      seq: number;
      reason: BreakReason;
      message: string;
    };

export interface AuditVerification {
  /** True when every organisation's chain is intact. */
  ok: boolean;
  /** Entries verified intact, over all organisations. */
  entries: number;
  organisations: OrgVerification[];
}

/**
 * Verifies every organisation's chain from one consistent snapshot, streaming entries a
 * page at a time. Stored data bytes are hashed as they are, so any changed byte is caught.
 */
export function verifyAudit(db: Db): Promise<AuditVerification> {
  return db.snapshot(async (trx) => {
    const orgs = await trx
      .selectFrom('organisations')
      .select(['id', 'audit_seq', 'audit_hash'])
      .orderBy('id')
      .execute();
    const organisations: OrgVerification[] = [];
    for (const org of orgs) {
      const verifier = new ChainVerifier();
      let after = 0;
      for (;;) {
        const rows = await trx
          .selectFrom('audit')
          .selectAll()
          .where('org_id', '=', org.id)
          .where('seq', '>', after)
          .orderBy('seq')
          .limit(PAGE)
          .execute();
        let broken = false;
        for (const row of rows) {
          // Unparsable data is checked by its bytes, which then cannot match dataHash.
          if (verifier.add(toEntry(row, parseData(row) ?? null), row.data)) {
            broken = true;
            break;
          }
          after = row.seq;
        }
        if (broken || rows.length < PAGE) break;
      }
      const result = verifier.finish({ seq: org.audit_seq, hash: org.audit_hash });
      organisations.push(
        result.ok
          ? { orgId: org.id, ok: true, entries: result.count }
          : {
              orgId: org.id,
              ok: false,
              entries: result.verified,
              seq: result.seq,
              reason: result.reason,
              message: result.message,
            },
      );
    }
    return {
      ok: organisations.every((o) => o.ok),
      entries: organisations.reduce((n, o) => n + o.entries, 0),
      organisations,
    };
  });
}

export interface ErasureResult {
  /** Seqs whose data was replaced by a tombstone now. */
  erased: number[];
  /** The `audit.erased` entry recording the erasure. */
  entry: AuditEntry;
}

/**
 * Lawful erasure: replaces the data of every entry about `subject` by
 * `{"$tombstone": {at, by, reason}}` (hashes untouched, so the chain still verifies) and
 * records the erasure as a new entry. Nothing is deleted. Refuses to tombstone an entry
 * whose data no longer matches its dataHash: erasure must not hide tampering. Pass the
 * transaction that erases the person's other rows to do both at once.
 *
 * `also.seqs` adds entries about other subjects that carry the person's data (found by the
 * caller), recorded in the same erasure entry; `also.data` is added to that entry's data.
 */
export async function eraseSubjectData(
  target: Db | DbTransaction,
  orgId: string,
  subject: string,
  erasure: { by: string; reason: string; at: string },
  also: { seqs?: readonly number[]; data?: Record<string, unknown> } = {},
): Promise<ErasureResult> {
  return withTransaction(target, async (trx) => {
    const rows = await trx
      .selectFrom('audit')
      .select(['seq', 'data', 'data_hash'])
      .where('org_id', '=', orgId)
      .where('subject', '=', subject)
      .where('type', '<>', AUDIT_ERASED)
      .orderBy('seq')
      .execute();
    const named = new Set(rows.map((r) => r.seq));
    const extra = [...new Set(also.seqs ?? [])].filter((seq) => !named.has(seq));
    for (let i = 0; i < extra.length; i += IN_BATCH)
      rows.push(
        ...(await trx
          .selectFrom('audit')
          .select(['seq', 'data', 'data_hash'])
          .where('org_id', '=', orgId)
          .where('seq', 'in', extra.slice(i, i + IN_BATCH))
          .where('type', '<>', AUDIT_ERASED)
          .execute()),
      );
    rows.sort((a, b) => a.seq - b.seq);
    const toErase: number[] = [];
    for (const row of rows) {
      const data = parseData(row);
      if (data !== undefined && isTombstone(data)) continue;
      if (sha256Hex(row.data) !== row.data_hash)
        throw new AppError(
          'conflict',
          `audit entry ${row.seq} of ${orgId} does not match its dataHash; ` +
            'run `arrears audit verify` before erasing',
        );
      toErase.push(row.seq);
    }
    const tombstone = canonicalJson({
      $tombstone: { at: erasure.at, by: erasure.by, reason: erasure.reason },
    });
    for (let i = 0; i < toErase.length; i += IN_BATCH)
      await trx
        .updateTable('audit')
        .set({ data: tombstone })
        .where('org_id', '=', orgId)
        .where('seq', 'in', toErase.slice(i, i + IN_BATCH))
        .execute();
    const entry = await appendAudit(trx, orgId, {
      at: erasure.at,
      actor: erasure.by,
      type: AUDIT_ERASED,
      subject,
      data: { ...also.data, erasedSeqs: toErase, reason: erasure.reason },
    });
    return { erased: toErase, entry };
  });
}

function parseData(row: Pick<Selectable<AuditTable>, 'data'>): AuditEntry['data'] | undefined {
  try {
    return JSON.parse(row.data) as AuditEntry['data'];
  } catch {
    return undefined;
  }
}

function toEntry(row: Selectable<AuditTable>, data: AuditEntry['data']): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    type: row.type,
    subject: row.subject,
    data,
    dataHash: row.data_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
