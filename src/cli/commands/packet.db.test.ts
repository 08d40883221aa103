/**
 * `arrears case packet` end to end, on SQLite and PostgreSQL: a notice approved, mailed by
 * certified mail through the document sender and returned by the carrier; then the packet
 * of the lease, whose files must match the sha256s its manifest gives.
 * The tests of a suite share its database, in order.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { fixedClock } from '../../app/ports/clock.js';
import { makeRecheck } from '../../app/recheck-item.js';
import { recordMailEvent } from '../../app/record-mail-event.js';
import { samplePortfolioValue, SAMPLE_POLICY_YAML } from '../../domain/documents/testing.js';
import { renderNoticePdf } from '../../documents/render-pdf.js';
import { storesFor } from '../../main.js';
import { createDispatcher } from '../../outbox/dispatcher.js';
import {
  createDocumentSender,
  createSandboxPrintMail,
  postalDocumentRoutes,
} from '../../outbox/document-sender.js';
import { createSandboxSender } from '../../outbox/sandbox-sender.js';
import { senderRegistry } from '../../outbox/senders.js';
import type { Db } from '../../storage/database.js';
import { documentsRepo } from '../../storage/repos/documents-repo.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { cliAgainst } from '../../../test/support/cli.js';
import type { PacketManifest } from './packet.js';

const FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;
const NOTICE = 'S-1:1:pre-lien-notice:notice';

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: FONTS,
    isEvalSupported: false,
  }).promise;
  const parts: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++)
    for (const item of (await (await pdf.getPage(p)).getTextContent()).items)
      if ('str' in item) parts.push(item.str);
  await pdf.destroy();
  return parts.join(' ').replace(/\s+/g, ' ');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-packet-'));
  writeFileSync(join(dir, 'policy.yaml'), SAMPLE_POLICY_YAML);
  writeFileSync(join(dir, 'portfolio.json'), JSON.stringify(samplePortfolioValue()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachDialect('arrears case packet', (h) => {
  const { run, ok } = cliAgainst(() => ({ cwd: dir, db: h.url }));
  let db: Db;
  const provider = createSandboxPrintMail();

  it('sets up: a notice mailed by certified mail and returned', async () => {
    await ok('policy', 'apply', 'policy.yaml');
    await ok('import', 'portfolio.json');
    await ok('user', 'add', 'boss@example.com', '--role', 'admin');
    await ok('scan', '--at', '2026-10-16T17:00:00Z');
    await ok('approve', '--stage', 'pre-lien-notice', '--as', 'boss@example.com');
    db = await h.open();
    const clock = fixedClock(Date.parse('2026-10-16T17:30:00Z'));
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
    await createDispatcher({
      outbox: createOutboxRepo(db, clock),
      clock,
      recheck: makeRecheck({ clock, ...stores }),
      senders: senderRegistry({ '*': createSandboxSender(), ...postalDocumentRoutes(sender) }),
      workerId: 'test-worker',
    }).runOnce();
    clock.set(Date.parse('2026-10-20T18:05:00Z'));
    await recordMailEvent(
      {
        clock,
        documents,
        outbox: createOutboxRepo(db, clock),
        portfolio: stores.portfolio,
        policies: stores.policies,
        state: stores.state,
        planned: stores.outbox,
      },
      'default',
      {
        trackingNumber: provider.mailings().find((m) => m.key === NOTICE)!.trackingNumber,
        type: 'returned',
        at: '2026-10-20T18:00:00Z',
      },
    );
  });

  it('writes packet.pdf, the mailed notice and manifest.json, each file with its sha256', async () => {
    const out = `packet-${h.dialect}`;
    const manifest = JSON.parse(
      await ok('case', 'packet', 'S-1', '--out', out, '--json'),
    ) as PacketManifest;
    expect(JSON.parse(readFileSync(join(dir, out, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(manifest).toMatchObject({ lease: 'S-1', auditHead: { seq: expect.any(Number) } });
    const mailing = provider.mailings().find((m) => m.key === NOTICE)!;
    expect(manifest.files).toEqual([
      expect.objectContaining({ path: 'packet.pdf', contentType: 'application/pdf' }),
      expect.objectContaining({
        path: `notices/S-1_1_pre-lien-notice_notice@${mailing.providerId}.pdf`,
        sha256: mailing.sha256,
        outboxKey: NOTICE,
        trackingNumber: mailing.trackingNumber,
      }),
    ]);
    for (const f of manifest.files) {
      const bytes = readFileSync(join(dir, out, f.path));
      expect(sha256(bytes), f.path).toBe(f.sha256);
      expect(bytes.byteLength, f.path).toBe(f.bytes);
    }

    const text = await pdfText(readFileSync(join(dir, out, 'packet.pdf')));
    expect(text).toContain('Evidence packet: lease S-1');
    expect(text).toContain('Dana Whitfield');
    // Ledger.
    expect(text).toContain('S1-R10');
    expect(text).toContain('$195.00');
    // The notice and its proof of service, with the carrier's return.
    expect(text).toContain(NOTICE);
    expect(text).toContain(mailing.trackingNumber);
    expect(text).toContain(`PS3800-${mailing.trackingNumber}`);
    expect(text).toContain(mailing.sha256);
    expect(text).toContain('2026-10-30'); // the deadline as mailed
    expect(text).toContain('returned');
    // The re-serve task among the actions, the approval, and the audit extract.
    expect(text).toContain('S-1:1:$service:reserve:1');
    expect(text).toContain('boss@example.com');
    expect(text).toContain('proof.recorded');
    expect(text).toContain('proof.returned');
    expect(text).toContain('document.stored');
    // Another lease's notice is not in this packet.
    expect(text).not.toContain('S-2:1:pre-lien-notice');
  });

  it('refuses an unknown lease (exit 2) and sits beside `case close`', async () => {
    const r = await run('case', 'packet', 'NOPE', '--out', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toContain('no lease has id `NOPE`');
    const help = await run('case', '--help');
    expect(help.out).toMatch(/close/);
    expect(help.out).toMatch(/packet/);
  });
});
