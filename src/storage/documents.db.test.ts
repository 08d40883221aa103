/**
 * The documents repository on every engine: content-addressed bytes stored once, proofs of
 * service recorded once per mailing, carrier events appended once each, every write audited
 * in its organisation's chain. The tests of a suite share its database, in order.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { fixedClock } from '../app/ports/clock.js';
import type { NewProof } from '../app/ports/documents.js';
import type { Db } from './database.js';
import { readChain, verifyAudit } from './repos/audit-repo.js';
import { documentsRepo } from './repos/documents-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';

const AT = '2026-10-16T17:30:00.000Z';
const BYTES = new TextEncoder().encode('%PDF-1.4\n% a notice\n%%EOF\n');
const SHA = createHash('sha256').update(BYTES).digest('hex');
const KEY = 'L1:1:pre-lien-notice:notice/T1/certified_mail';

const proof = (over: Partial<NewProof> = {}): NewProof => ({
  id: `${KEY}@ltr_1`,
  outboxKey: KEY,
  leaseId: 'L1',
  contactId: 'T1',
  method: 'certified',
  provider: 'postal-sandbox',
  providerId: 'ltr_1',
  trackingNumber: '9407111',
  certificateRef: 'PS3800-9407111',
  documentSha256: SHA,
  servedOn: '2026-10-16',
  mailedAt: AT,
  data: { recipient: { name: 'Ana Ruiz' }, deadline: '2026-10-30' },
  ...over,
});

forEachDialect('documents repository', (h) => {
  let db: Db;
  const clock = fixedClock(Date.parse('2026-10-20T18:00:00Z'));
  const doc = {
    bytes: BYTES,
    contentType: 'application/pdf',
    leaseId: 'L1',
    outboxKey: KEY,
    template: 'pre-lien-notice',
  };

  it('stores the same bytes once, under their sha256, and audits each store', async () => {
    db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'acme', name: 'Acme', at: AT });
    const repo = documentsRepo(db, clock);
    expect(await repo.storeDocument('default', doc, 'system:test', AT)).toEqual({
      sha256: SHA,
      created: true,
    });
    expect(await repo.storeDocument('default', doc, 'system:test', AT)).toEqual({
      sha256: SHA,
      created: false,
    });
    expect(await repo.storeDocument('acme', doc, 'system:test', AT)).toEqual({
      sha256: SHA,
      created: false,
    });
    const rows = await db.kysely.selectFrom('documents').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      sha256: SHA,
      byte_size: BYTES.byteLength,
      content_type: 'application/pdf',
    });
    expect(Buffer.from(rows[0]!.bytes).equals(Buffer.from(BYTES))).toBe(true);
    const stored = (await readChain(db, 'default')).filter((e) => e.type === 'document.stored');
    expect(stored.map((e) => [e.subject, e.data])).toEqual([
      [`outbox:${KEY}`, expect.objectContaining({ sha256: SHA, new: true })],
      [`outbox:${KEY}`, expect.objectContaining({ sha256: SHA, new: false })],
    ]);
  });

  it('records a proof once and lets only its organisation read the document', async () => {
    const repo = documentsRepo(db, clock);
    expect(await repo.getDocument('default', SHA)).toBeUndefined(); // no proof refers to it yet
    const first = await repo.recordProof('default', proof(), 'system:test', AT);
    expect(first.created).toBe(true);
    expect(first.proof).toMatchObject({
      id: `${KEY}@ltr_1`,
      status: 'mailed',
      trackingNumber: '9407111',
      certificateRef: 'PS3800-9407111',
      documentSha256: SHA,
      events: [{ id: `mailed@${AT}`, type: 'mailed', at: AT, date: '2026-10-16' }],
      data: { recipient: { name: 'Ana Ruiz' }, deadline: '2026-10-30' },
    });
    const again = await repo.recordProof(
      'default',
      proof({ trackingNumber: 'other' }),
      'system:test',
      AT,
    );
    expect(again).toMatchObject({ created: false, proof: { trackingNumber: '9407111' } });
    expect((await repo.getDocument('default', SHA))?.contentType).toBe('application/pdf');
    expect(await repo.getDocument('acme', SHA)).toBeUndefined();
    expect(await repo.findByTracking('default', '9407111')).toHaveLength(1);
    expect(await repo.findByTracking('acme', '9407111')).toEqual([]);
  });

  it('appends carrier events once each, in time order, with the status of the latest', async () => {
    const repo = documentsRepo(db, clock);
    const event = (id: string, type: 'delivered' | 'returned' | 'unclaimed', at: string) => ({
      id,
      type,
      at,
      date: at.slice(0, 10),
      source: 'provider:postal-sandbox',
    });
    const id = `${KEY}@ltr_1`;
    const r1 = await repo.transaction((tx) =>
      repo.appendEvent(
        tx,
        'default',
        id,
        event('e2', 'returned', '2026-10-20T18:00:00.000Z'),
        'provider:postal-sandbox',
      ),
    );
    expect(r1).toMatchObject({ appended: true, proof: { status: 'returned' } });
    const r2 = await repo.transaction((tx) =>
      repo.appendEvent(
        tx,
        'default',
        id,
        event('e1', 'unclaimed', '2026-10-19T18:00:00.000Z'),
        'provider:postal-sandbox',
      ),
    );
    expect(r2.proof.events.map((e) => e.id)).toEqual([`mailed@${AT}`, 'e1', 'e2']);
    expect(r2.proof.status).toBe('returned');
    const r3 = await repo.transaction((tx) =>
      repo.appendEvent(
        tx,
        'default',
        id,
        event('e2', 'returned', '2026-10-20T18:00:00.000Z'),
        'provider:postal-sandbox',
      ),
    );
    expect(r3.appended).toBe(false);
    const [stored] = await repo.proofsForLease('default', 'L1');
    expect(stored!.events).toHaveLength(3);
    const types = (await readChain(db, 'default')).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('proof.'))).toEqual([
      'proof.recorded',
      'proof.returned',
      'proof.unclaimed',
    ]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('gathers a lease’s evidence: its proofs and the audit entries about it', async () => {
    const evidence = await documentsRepo(db, clock).evidence('default', 'L1');
    expect(evidence.proofs.map((p) => p.id)).toEqual([`${KEY}@ltr_1`]);
    expect(evidence.audit.map((e) => e.subject)).toEqual(
      expect.arrayContaining([`outbox:${KEY}`, `proof:${KEY}@ltr_1`]),
    );
    expect(evidence.audit.every((e) => /^(outbox|proof):L1:|^lease:L1$/.test(e.subject))).toBe(
      true,
    );
    expect(evidence.auditHead.seq).toBeGreaterThanOrEqual(evidence.audit.at(-1)!.seq);
    expect(await documentsRepo(db, clock).evidence('default', 'L2')).toMatchObject({
      items: [],
      proofs: [],
      audit: [],
    });
  });
});
