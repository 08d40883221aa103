/**
 * The legal hand-off against a real SMTP server on loopback (smtp-server, the fake the SMTP
 * tests use; LegalZoom itself has no API to fake), with the evidence packet built by the real
 * packet code from an in-memory portfolio and evidence.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
  type HarnessOptions,
} from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { DocumentToStore } from '../../app/ports/documents.js';
import type { LeaseEvidence } from '../../domain/documents/packet.js';
import type { ProofOfService } from '../../domain/documents/proof.js';
import { samplePortfolio } from '../../domain/documents/testing.js';
import type { ConnectorModule } from '../contract.js';
import { connectorSettings, type Env } from '../settings.js';
import { manifest as smtpManifest } from '../smtp/manifest.js';
import { readHandoffToken } from './handoff-link.js';
import { legalzoomConnector, type LegalzoomContext } from './index.js';
import { evidencePacketSource, type EvidencePacketSource, type PacketManifest } from './packet.js';

const NOW = Date.parse('2026-10-20T17:00:00Z');
const FROM = 'Arroyo Self Storage <office@arroyostorage.example>';
const ATTORNEY = 'intake@counsel.example';
const FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------------------------------
// The attorney's inbox: a real SMTP server that requires a login

interface Inbox {
  url: (user?: string, pass?: string) => string;
  received: { from: string; to: string[]; mail: ParsedMail }[];
  close(): Promise<void>;
}

async function attorneyInbox(): Promise<Inbox> {
  const received: Inbox['received'] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'relay' && auth.password === 's3cret')
        return callback(null, { user: 'relay' });
      callback(
        Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }),
      );
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@counsel.example')) return callback();
      callback(Object.assign(new Error('5.1.1 Mailbox does not exist'), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: (user = 'relay', pass = 's3cret') => `smtp://${user}:${pass}@127.0.0.1:${port}?tls=off`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------
// The evidence of lease S-1: one certified notice, mailed and stored

const NOTICE = Buffer.from('%PDF-1.4\n% the pre-lien notice as mailed\n');
const NOTICE_KEY = 'S-1:1:pre-lien-notice:notice/T-1/certified_mail';
const proof: ProofOfService = {
  id: `${NOTICE_KEY}@ltr_1`,
  outboxKey: NOTICE_KEY,
  leaseId: 'S-1',
  contactId: 'T-1',
  method: 'certified',
  provider: 'postal',
  providerId: 'ltr_1',
  trackingNumber: '9407111899223197428490',
  certificateRef: null,
  documentSha256: sha256(NOTICE),
  status: 'mailed',
  servedOn: '2026-10-16',
  events: [
    {
      id: 'mailed@2026-10-16T17:30:00.000Z',
      type: 'mailed',
      at: '2026-10-16T17:30:00.000Z',
      date: '2026-10-16',
      source: 'provider:postal',
    },
  ],
  data: null,
  createdAt: '2026-10-16T17:30:00.000Z',
  updatedAt: '2026-10-16T17:30:00.000Z',
};
const evidence: LeaseEvidence = {
  items: [
    {
      key: NOTICE_KEY,
      episode: 1,
      stage: 'pre-lien-notice',
      action: 'notice',
      type: 'document',
      channel: null,
      method: 'certified_mail',
      contactId: 'T-1',
      status: 'sent',
      reason: null,
      provider: 'postal',
      providerId: 'ltr_1',
      template: 'pre-lien-notice',
      createdAt: '2026-10-16T17:00:00.000Z',
      updatedAt: '2026-10-16T17:30:00.000Z',
    },
  ],
  approvals: [],
  proofs: [proof],
  audit: [],
  auditHead: { seq: 42, hash: 'a'.repeat(64) },
};

function packets(kept: DocumentToStore[] = []): EvidencePacketSource {
  return evidencePacketSource({
    clock: fixedClock(NOW),
    portfolio: { loadPortfolio: () => Promise.resolve(samplePortfolio()) },
    documents: {
      evidence: () => Promise.resolve(evidence),
      getDocument: (_org, sha) =>
        Promise.resolve(
          sha === proof.documentSha256
            ? { bytes: NOTICE, contentType: 'application/pdf' }
            : undefined,
        ),
      storeDocument(_org, doc) {
        kept.push(doc);
        return Promise.resolve({ sha256: sha256(doc.bytes), created: true });
      },
    },
  });
}

// ---------------------------------------------------------------------------------------

let inbox: Inbox;
beforeEach(async () => {
  inbox = await attorneyInbox();
});
afterEach(() => inbox.close());

interface Extras {
  packets?: EvidencePacketSource | null;
  smtp?: Env;
  audit?: { type: string; subject: string; data: Record<string, unknown> }[];
}

/** The connector with the context members the composition root does not pass yet. */
function harness(env: Env = {}, extras: Extras = {}, options: HarnessOptions = {}) {
  const smtpEnv = extras.smtp ?? { ARREARS_SMTP_URL: inbox.url(), ARREARS_SMTP_FROM: FROM };
  const module: ConnectorModule = {
    manifest: legalzoomConnector.manifest,
    create(ctx) {
      const extended: LegalzoomContext = {
        ...ctx,
        ...(extras.packets === null ? {} : { packets: extras.packets ?? packets() }),
        settingsOf: () => connectorSettings(smtpManifest, smtpEnv),
        audit: (entry) => {
          extras.audit?.push(entry);
          return Promise.resolve();
        },
      };
      return legalzoomConnector.create(extended);
    },
  };
  return connectorHarness(
    module,
    {
      ARREARS_LEGALZOOM_ATTORNEY_EMAIL: ATTORNEY,
      ARREARS_LEGALZOOM_ATTORNEY_NAME: 'Ms. Rivera',
      ...env,
    },
    { clock: fixedClock(NOW), contacts: {}, ...options },
  );
}

const escalation = (over: Partial<OutboxItem> = {}) =>
  outboxItem({
    key: 'S-1:1:legal:escalate',
    leaseId: 'S-1',
    stage: 'legal',
    action: 'escalate',
    type: 'escalate',
    channel: null,
    contactId: null,
    payload: { date: '2026-10-20', to: 'legal', pastDueCents: 22734 },
    ...over,
  });

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

describe('legalzoom connector: escalate:legal (no LegalZoom API: packet to the attorney)', () => {
  it('has a valid manifest that says there is no public API', () => {
    expect(manifestProblems(legalzoomConnector)).toEqual([]);
    expect(legalzoomConnector.manifest.docs).toMatch(/no public REST or partner API/);
    expect(legalzoomConnector.manifest.capabilities.sends).toEqual(['escalate:legal']);
  });

  it('mails the cover letter and the evidence packet, attached, with the manifest’s sha256s', async () => {
    const audit: NonNullable<Extras['audit']> = [];
    const outcome = await harness({}, { audit }).send('escalate:legal', escalation());
    expect(outcome).toEqual({
      tag: 'accepted',
      externalId: expect.stringMatching(/^<[0-9a-f]{32}@arroyostorage\.example>$/),
    });
    const [got] = inbox.received;
    expect(got!.to).toEqual([ATTORNEY]);
    expect(got!.from).toBe('office@arroyostorage.example');
    expect(got!.mail.subject).toBe('Legal hand-off: Arroyo Self Storage, unit C-208 (lease S-1)');
    expect(got!.mail.text).toContain('Dear Ms. Rivera,');
    expect(got!.mail.text).toContain(
      'Please confirm receipt by replying, quoting S-1:1:legal:escalate.',
    );

    const files = new Map(got!.mail.attachments.map((a) => [a.filename!, a.content]));
    const notice = `notices-${proof.id.replace(/[^A-Za-z0-9._@-]+/g, '_')}.pdf`;
    expect([...files.keys()]).toEqual(['cover-letter.pdf', 'packet.pdf', notice, 'manifest.json']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as PacketManifest;
    expect(manifest).toMatchObject({
      lease: 'S-1',
      asOf: '2026-10-20',
      auditHead: { seq: 42, hash: 'a'.repeat(64) },
    });
    expect(manifest.files.map((f) => f.path)).toEqual([
      'packet.pdf',
      notice.replace('notices-', 'notices/'),
    ]);
    for (const f of manifest.files)
      expect(sha256(files.get(f.path.replace('/', '-'))!)).toBe(f.sha256);
    expect(files.get(notice)!.equals(NOTICE)).toBe(true);
    expect(manifest.files[1]).toMatchObject({
      proofId: proof.id,
      trackingNumber: proof.trackingNumber,
    });

    const cover = await pdfText(files.get('cover-letter.pdf')!);
    expect(cover).toContain('Legal hand-off: Arroyo Self Storage, unit C-208');
    expect(cover).toContain('Dear Ms. Rivera');
    expect(cover).toContain('S-1:1:legal:escalate');
    expect(cover).toContain(manifest.files[0]!.sha256);
    expect(await pdfText(files.get('packet.pdf')!)).toContain('Evidence packet: lease S-1');

    expect(audit.map((e) => [e.type, e.subject, e.data.status])).toEqual([
      ['handoff.status', 'lease:S-1', 'prepared'],
      ['handoff.status', 'lease:S-1', 'sent'],
    ]);
    expect(audit[1]!.data).toMatchObject({
      from: 'prepared',
      outboxKey: 'S-1:1:legal:escalate',
      manifestSha256: sha256(files.get('manifest.json')!),
      delivery: 'attachment',
    });
  });

  it('DELIVERY=link: the cover letter only, with an expiring signed link to the kept packet', async () => {
    const kept: DocumentToStore[] = [];
    const h = harness(
      {
        ARREARS_LEGALZOOM_DELIVERY: 'link',
        ARREARS_LEGALZOOM_LINK_SECRET: 'link-secret',
        ARREARS_LEGALZOOM_LINK_TTL_DAYS: '7',
      },
      { packets: packets(kept) },
      { publicUrl: 'https://arrears.example.com' },
    );
    expect((await h.send('escalate:legal', escalation())).tag).toBe('accepted');
    const [got] = inbox.received;
    expect(got!.mail.attachments.map((a) => a.filename)).toEqual(['cover-letter.pdf']);
    const link = /https:\/\/arrears\.example\.com\/handoffs\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(
      got!.mail.text!,
    );
    expect(link).not.toBeNull();
    expect(got!.mail.text).toContain('until 2026-10-27T17:00:00.000Z');
    const grant = readHandoffToken('link-secret', link![1]!, NOW);
    const manifestDoc = kept.find((d) => d.template === 'legal-handoff:manifest.json')!;
    expect(grant).toEqual({
      orgId: 'default',
      leaseId: 'S-1',
      key: 'S-1:1:legal:escalate',
      manifestSha256: sha256(manifestDoc.bytes),
      expiresAt: Math.floor(NOW / 1000) + 7 * 86_400,
    });
    expect(kept.map((d) => d.template)).toEqual([
      'legal-handoff:packet.pdf',
      `legal-handoff:notices/${proof.id.replace(/[^A-Za-z0-9._@-]+/g, '_')}.pdf`,
      'legal-handoff:manifest.json',
    ]);
    expect(readHandoffToken('link-secret', link![1]!, NOW + 8 * 86_400_000)).toBeNull();
    expect(readHandoffToken('another-secret', link![1]!, NOW)).toBeNull();
    expect(await pdfText(got!.mail.attachments[0]!.content)).toContain('/handoffs/');
  });

  it('DELIVERY=link without LINK_SECRET is refused naming the variable', () => {
    expect(() => harness({ ARREARS_LEGALZOOM_DELIVERY: 'link' })).toThrow(
      /ARREARS_LEGALZOOM_LINK_SECRET/,
    );
  });

  it('the same escalation mailed again carries the same Message-ID (SMTP has no idempotency key)', async () => {
    const h = harness();
    const a = await h.send('escalate:legal', escalation());
    const b = await h.send('escalate:legal', escalation());
    expect(a).toEqual(b);
    expect(inbox.received.map((r) => r.mail.messageId)).toEqual([
      inbox.received[0]!.mail.messageId,
      inbox.received[0]!.mail.messageId,
    ]);
  });

  it("a recipient the server refuses (a missing mailbox, the server's 550) fails the item with the code", async () => {
    const outcome = await harness({
      ARREARS_LEGALZOOM_ATTORNEY_EMAIL: 'nobody@elsewhere.example',
    }).send('escalate:legal', escalation());
    expect(outcome).toMatchObject({ tag: 'rejected', code: '550' });
    expect(inbox.received).toEqual([]);
  });

  it('bad SMTP credentials (535): the escalation waits for the operator', async () => {
    const outcome = await harness(
      {},
      {
        smtp: { ARREARS_SMTP_URL: inbox.url('relay', 'wrong'), ARREARS_SMTP_FROM: FROM },
      },
    ).send('escalate:legal', escalation());
    expect(outcome).toMatchObject({
      tag: 'retryable',
      reason: expect.stringContaining('credentials refused'),
    });
  });

  it('what is not a legal escalation, or cannot be built or sent yet, is refused clearly', async () => {
    expect(
      await harness().send('escalate:legal', escalation({ payload: { to: 'collections_agency' } })),
    ).toMatchObject({ tag: 'rejected', code: 'not_legal' });
    expect(await harness().send('escalate:legal', escalation({ leaseId: 'S-404' }))).toMatchObject({
      tag: 'rejected',
      code: 'lease_not_found',
    });
    expect(await harness({}, { packets: null }).send('escalate:legal', escalation())).toMatchObject(
      {
        tag: 'retryable',
        reason: expect.stringContaining('packets'),
      },
    );
    expect(await harness({}, { smtp: {} }).send('escalate:legal', escalation())).toMatchObject({
      tag: 'retryable',
      reason: expect.stringContaining('ARREARS_SMTP_URL'),
    });
    expect(inbox.received).toEqual([]);
  });

  it('`connectors test legalzoom` logs in to the SMTP server, and fails with bad credentials', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    expect(
      await harness(
        {},
        { smtp: { ARREARS_SMTP_URL: inbox.url('relay', 'wrong'), ARREARS_SMTP_FROM: FROM } },
      ).instance.verify(),
    ).toMatchObject({ ok: false });
  });
});
