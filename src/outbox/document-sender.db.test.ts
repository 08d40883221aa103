/**
 * Mailing a notice end to end, on SQLite and PostgreSQL: a real import, scan and approval
 * through the CLI, then a dispatch pass whose postal route is the document sender with
 * the sandbox print-and-mail provider. The tests of a suite share its database, in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { fixedClock } from '../app/ports/clock.js';
import { makeRecheck } from '../app/recheck-item.js';
import { samplePortfolioValue, SAMPLE_POLICY_YAML } from '../domain/documents/testing.js';
import { cliAgainst } from '../../test/support/cli.js';
import { renderNoticePdf } from '../documents/render-pdf.js';
import { storesFor } from '../main.js';
import type { Db } from '../storage/database.js';
import { readChain } from '../storage/repos/audit-repo.js';
import { documentsRepo } from '../storage/repos/documents-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { createDispatcher } from './dispatcher.js';
import {
  createDocumentSender,
  createSandboxPrintMail,
  postalDocumentRoutes,
} from './document-sender.js';
import { createSandboxSender } from './sandbox-sender.js';
import { senderRegistry } from './senders.js';

const DISPATCH_AT = Date.parse('2026-10-16T17:30:00Z');
const NOTICE = 'S-1:1:pre-lien-notice:notice';
const NOTICE_ES = 'S-2:1:pre-lien-notice:notice';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-document-sender-'));
  writeFileSync(join(dir, 'policy.yaml'), SAMPLE_POLICY_YAML);
  writeFileSync(join(dir, 'portfolio.json'), JSON.stringify(samplePortfolioValue()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachDialect('document sender', (h) => {
  const { ok: run } = cliAgainst(() => ({ cwd: dir, db: h.url }));
  let db: Db;
  const provider = createSandboxPrintMail();

  it('sets up: policy, portfolio, a scan that drafts the notices, an approval', async () => {
    await run('policy', 'apply', 'policy.yaml');
    await run('import', 'portfolio.json');
    await run('user', 'add', 'boss@example.com', '--role', 'admin');
    await run('scan', '--at', '2026-10-16T17:00:00Z');
    await run('approve', '--stage', 'pre-lien-notice', '--as', 'boss@example.com');
    db = await h.open();
    const outbox = createOutboxRepo(db);
    expect((await outbox.get('default', NOTICE))?.status).toBe('approved');
    expect((await outbox.get('default', NOTICE))?.method).toBe('certified_mail');
  });

  it('renders, stores, mails and records the proof of service with its tracking number', async () => {
    const clock = fixedClock(DISPATCH_AT);
    const stores = storesFor(db);
    const documents = documentsRepo(db, clock);
    const sender = createDocumentSender({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      documents,
      render: renderNoticePdf,
      provider,
    });
    const outbox = createOutboxRepo(db, clock);
    const counts = await createDispatcher({
      outbox,
      clock,
      recheck: makeRecheck({ clock, ...stores }),
      senders: senderRegistry({ '*': createSandboxSender(), ...postalDocumentRoutes(sender) }),
      workerId: 'test-worker',
    }).runOnce();
    expect(counts.failed).toBe(0);

    const item = await outbox.get('default', NOTICE);
    const mailing = provider.mailings().find((m) => m.key === NOTICE)!;
    expect(item).toMatchObject({
      status: 'sent',
      provider: 'postal-sandbox',
      providerId: mailing.providerId,
    });
    expect(mailing).toMatchObject({
      method: 'certified_mail',
      to: {
        name: 'Dana Whitfield',
        addressLines: ['415 S Lake Ave', 'Apt 9', 'Pasadena, CA 91101'],
      },
      mailDate: '2026-10-16',
    });

    const [proof] = await documents.proofsForLease('default', 'S-1');
    expect(proof).toMatchObject({
      id: `${NOTICE}@${mailing.providerId}`,
      outboxKey: NOTICE,
      contactId: 'T-1',
      method: 'certified',
      provider: 'postal-sandbox',
      providerId: mailing.providerId,
      trackingNumber: mailing.trackingNumber,
      certificateRef: `PS3800-${mailing.trackingNumber}`,
      documentSha256: mailing.sha256,
      status: 'mailed',
      servedOn: '2026-10-16',
      data: expect.objectContaining({
        deadline: '2026-10-30',
        rule: 'US-CA/storage/pre-lien-notice',
        pastDueCents: 21500,
      }),
    });
    expect(proof!.trackingNumber).toMatch(/^9407\d{18}$/);
    expect(proof!.events.map((e) => [e.type, e.date])).toEqual([['mailed', '2026-10-16']]);

    // The stored bytes are the mailed bytes, readable through the organisation's proof.
    const doc = await documents.getDocument('default', proof!.documentSha256!);
    expect(doc?.contentType).toBe('application/pdf');
    expect(Buffer.from(doc!.bytes).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await documents.getDocument('other-org', proof!.documentSha256!)).toBeUndefined();

    // The Spanish notice went too, and the occupant without an address got none.
    const es = provider.mailings().find((m) => m.key === NOTICE_ES);
    expect(es?.to.name).toBe('Lucía Hernández');
    expect(provider.mailings().some((m) => m.key.startsWith('S-3:'))).toBe(false);

    const types = (await readChain(db, 'default')).map((e) => `${e.type} ${e.subject}`);
    expect(types).toContain(`document.stored outbox:${NOTICE}`);
    expect(types).toContain(`proof.recorded proof:${proof!.id}`);
  });

  it('renders the same bytes again and stores them once', async () => {
    const clock = fixedClock(DISPATCH_AT);
    const documents = documentsRepo(db, clock);
    const stores = storesFor(db);
    const again = createSandboxPrintMail();
    const sender = createDocumentSender({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      documents,
      render: renderNoticePdf,
      provider: again,
    });
    const item = (await createOutboxRepo(db).get('default', NOTICE))!;
    const before = await db.kysely.selectFrom('documents').select('sha256').execute();
    expect(await sender.send(item, { idempotencyKey: NOTICE })).toEqual({
      tag: 'accepted',
      externalId: provider.mailings().find((m) => m.key === NOTICE)!.providerId,
    });
    expect(again.mailings()[0]!.sha256).toBe(
      provider.mailings().find((m) => m.key === NOTICE)!.sha256,
    );
    expect(await db.kysely.selectFrom('documents').select('sha256').execute()).toHaveLength(
      before.length,
    );
    // One mailing, one proof: recording it again changes nothing.
    expect(await documents.proofsForLease('default', 'S-1')).toHaveLength(1);
  });

  it('rejects a delivery it cannot make, with the reason as the code', async () => {
    const clock = fixedClock(DISPATCH_AT);
    const stores = storesFor(db);
    const sender = createDocumentSender({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      documents: documentsRepo(db, clock),
      render: renderNoticePdf,
      provider: createSandboxPrintMail(),
    });
    const item = (await createOutboxRepo(db).get('default', NOTICE))!;
    expect(
      await sender.send({ ...item, method: 'first_class' }, { idempotencyKey: 'x' }),
    ).toMatchObject({
      tag: 'rejected',
      code: 'method_not_accepted',
    });
    expect(await sender.send({ ...item, method: 'email' }, { idempotencyKey: 'y' })).toMatchObject({
      tag: 'rejected',
      code: 'unsupported_method',
    });
    expect(
      await sender.send({ ...item, leaseId: 'S-3', contactId: 'T-3' }, { idempotencyKey: 'z' }),
    ).toMatchObject({ tag: 'rejected', code: 'no_address' });
  });

  it('retries a failure before the provider is called: nothing was mailed', async () => {
    const clock = fixedClock(DISPATCH_AT);
    const stores = storesFor(db);
    const untouched = createSandboxPrintMail();
    const sender = createDocumentSender({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      documents: documentsRepo(db, clock),
      render: () => Promise.reject(new Error('renderer out of memory')),
      provider: untouched,
    });
    const item = (await createOutboxRepo(db).get('default', NOTICE))!;
    expect(await sender.send(item, { idempotencyKey: NOTICE })).toEqual({
      tag: 'retryable',
      reason: 'not mailed: renderer out of memory',
    });
    expect(untouched.mailings()).toEqual([]);
  });
});
