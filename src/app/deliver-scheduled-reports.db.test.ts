/**
 * Scheduled report delivery end to end, on SQLite and PostgreSQL: the report fixture
 * portfolio (test/support/report-fixture.ts) with owner O1's properties moved to
 * America/New_York, a weekly owner report for O1 (`0 8 * * 1`, the zone defaulted from the
 * owner's first property), a real SMTP server on loopback (smtp-server) whose mail is parsed
 * back with mailparser, and the PDF read back with pdf.js.
 *
 * Calendar (December 2026, New York is UTC−5):
 *   Thu 12-10      schedule added
 *   Sun 12-13 23:00  nothing is due
 *   Mon 12-14 08:00  the owner report as of 12-14 arrives: one PDF whose totals are the
 *                    aging report's totals over O1's properties; audited with its sha256
 *   Mon 12-14 08:30  the same slot again: nothing
 *   Mon 12-21 08:00  two workers race on the slot: one mail
 *   Wed 12-30        the 12-28 slot was missed by more than a day: skipped, not sent late
 *   Mon 01-04 08:05  the mail server fails: the slot is given back; the next run sends it
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { saveFixture } from '../../test/support/report-fixture-db.js';
import { PORTFOLIO_INPUT } from '../../test/support/report-fixture.js';
import { AGING_BUCKETS, emptyBuckets } from '../domain/ledger/aging.js';
import { formatCents } from '../domain/money.js';
import type { AgingReport } from '../domain/reports/aging-report.js';
import type { OwnerReport } from '../domain/reports/owner-report.js';
import { portfolio as portfolioSchema } from '../domain/portfolio/schema.js';
import { storesFor } from '../main.js';
import { createReportMailer } from '../outbox/report-mailer.js';
import { renderReportPdf } from '../reports/render-pdf.js';
import type { Db } from '../storage/database.js';
import { readChain } from '../storage/repos/audit-repo.js';
import { reportSchedulesRepo } from '../storage/repos/report-schedules-repo.js';
import { portfolioStore } from '../storage/repos/portfolio-repo.js';
import { reportsRepo } from '../storage/repos/reports-repo.js';
import {
  addReportSchedule,
  deliverScheduledReports,
  type DeliverDeps,
  type ReportMailer,
} from './deliver-scheduled-reports.js';
import { fixedClock } from './ports/clock.js';
import { runReport } from './run-reports.js';

const ORG = 'acme';
const FROM = 'Fixture PM <reports@fixture.example>';
const FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: FONTS,
    useSystemFonts: false,
    isEvalSupported: false,
  }).promise;
  const pages: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    pages.push(content.items.map((i) => ('str' in i ? i.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages.join(' ').replace(/\s+/g, ' ');
}

async function smtpServer() {
  const received: { to: string[]; mail: ParsedMail }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}?tls=off`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

forEachDialect('scheduled report delivery', (h) => {
  let db: Db;
  let db2: Db;
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  const clock = fixedClock(Date.parse('2026-12-10T15:00:00Z'));
  const deps = (on: Db, mailer?: ReportMailer): DeliverDeps => ({
    ...storesFor(on),
    reports: reportsRepo(on),
    clock,
    schedules: reportSchedulesRepo(on),
    mailer: mailer ?? createReportMailer({ url: smtp.url, from: FROM, timeoutMs: 5000 }),
    renderPdf: renderReportPdf,
  });
  let scheduleId = '';

  beforeAll(async () => {
    db = await h.openMigrated();
    db2 = await h.open();
    await saveFixture(db, ORG);
    // Owner O1 (Oak Court) is on the East Coast for this test: the fixture imported again
    // with its properties in America/New_York.
    const input = structuredClone(PORTFOLIO_INPUT);
    input.properties = input.properties.map((p) =>
      p.ownerId === 'O1' ? { ...p, timezone: 'America/New_York' } : p,
    );
    await portfolioStore(db).savePortfolio(ORG, portfolioSchema.parse(input), {
      source: 'import',
      actor: 'test',
      at: '2026-12-15T20:00:00.000Z',
    });
    smtp = await smtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
  });

  it('adds a weekly owner schedule in the owner’s time zone', async () => {
    const s = await addReportSchedule(deps(db), ORG, {
      report: 'owner',
      ownerId: 'O1',
      to: 'owner.one@example.com, books@example.com',
      actor: 'user:admin@example.com',
    });
    scheduleId = s.id;
    expect(s).toMatchObject({
      report: 'owner',
      ownerId: 'O1',
      recipients: ['owner.one@example.com', 'books@example.com'],
      cron: '0 8 * * 1',
      timezone: 'America/New_York',
      lastRunAt: null,
      createdAt: '2026-12-10T15:00:00.000Z',
    });
  });

  it('Sunday 23:00 New York: nothing is due', async () => {
    clock.set(Date.parse('2026-12-14T04:00:00Z'));
    expect(await deliverScheduledReports(deps(db), ORG)).toEqual([]);
    expect(smtp.received).toHaveLength(0);
  });

  it('Monday 08:00 New York: the owner report arrives with totals equal to the aging report', async () => {
    clock.set(Date.parse('2026-12-14T13:00:00Z'));
    const [d, ...more] = await deliverScheduledReports(deps(db), ORG);
    expect(more).toEqual([]);
    expect(d).toMatchObject({
      status: 'delivered',
      scheduleId,
      slot: '2026-12-14T13:00:00.000Z',
      asOf: '2026-12-14',
      recipients: 2,
    });
    expect(smtp.received).toHaveLength(1);
    const { to, mail } = smtp.received[0]!;
    expect(to.sort()).toEqual(['books@example.com', 'owner.one@example.com']);
    expect(mail.subject).toContain('Owner report for owner O1');
    expect(mail.subject).toContain('2026-12-14');
    expect(mail.attachments).toHaveLength(1);
    const pdf = mail.attachments[0]!;
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.filename).toBe('owner-O1-2026-12-14.pdf');

    // The aging report's totals over O1's properties, as of the slot's local date.
    const r = deps(db);
    const aging = (await runReport(r, ORG, { name: 'aging', at: '2026-12-14' }))
      .json as AgingReport;
    const o1 = new Set(
      (await r.portfolio.loadPortfolio(ORG)).properties
        .filter((p) => p.ownerId === 'O1')
        .map((p) => p.id),
    );
    const rows = aging.rows.filter((row) => o1.has(row.propertyId));
    expect(rows.length).toBeGreaterThan(0);
    const buckets = emptyBuckets();
    let credit = 0;
    let total = 0;
    for (const row of rows) {
      for (const b of AGING_BUCKETS) buckets[b] += row.buckets[b];
      credit += row.unappliedCreditCents;
      total += row.totalCents;
    }
    expect(total).toBeGreaterThan(0);
    const owner = (await runReport(r, ORG, { name: 'owner', at: '2026-12-14', ownerId: 'O1' }))
      .json as OwnerReport;
    expect(owner.totals.totalCents).toBe(total);
    expect(owner.totals.buckets).toEqual(buckets);

    // The PDF's total line: every bucket, the credit and the balance, in order.
    const text = await pdfText(pdf.content);
    const totalLine = [
      'Total',
      ...AGING_BUCKETS.map((b) => formatCents(buckets[b])),
      formatCents(-credit),
      formatCents(total),
    ].join(' ');
    expect(text).toContain(totalLine);
    expect(text).toContain(`Balance (aging total) ${formatCents(total)}`);
    expect(mail.text).toContain(`Balance (aging total): ${formatCents(total)}`);

    // Audited with the PDF's sha256, ids, counts and totals; no address.
    const sha256 = createHash('sha256').update(pdf.content).digest('hex');
    expect(d!.sha256).toBe(sha256);
    const entries = (await readChain(db, ORG)).filter((e) => e.type === 'report.delivered');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toMatchObject({
      scheduleId,
      report: 'owner',
      ownerId: 'O1',
      slot: '2026-12-14T13:00:00.000Z',
      asOf: '2026-12-14',
      recipients: 2,
      totals: { totalCents: total, delinquentLeases: owner.totals.delinquentLeases },
      pdf: { sha256 },
    });
    expect(JSON.stringify(entries[0]!.data)).not.toContain('@');
  });

  it('the same slot again sends nothing', async () => {
    clock.set(Date.parse('2026-12-14T13:30:00Z'));
    expect(await deliverScheduledReports(deps(db), ORG)).toEqual([]);
    expect(smtp.received).toHaveLength(1);
  });

  it('next Monday: two workers racing on the slot send once', async () => {
    clock.set(Date.parse('2026-12-21T13:00:00Z'));
    // PostgreSQL: two pools. SQLite: two runs on one handle (better-sqlite3 blocks the thread
    // on a second connection's lock, so in-process racers share one; both read the schedule
    // before either claims, and the conditional UPDATE lets one through).
    const other = h.dialect === 'postgres' ? db2 : db;
    const claims: boolean[] = [];
    const racer = (on: Db): DeliverDeps => {
      const d = deps(on);
      const claim = d.schedules.claim.bind(d.schedules);
      d.schedules = {
        ...d.schedules,
        claim: async (...args) => {
          const won = await claim(...args);
          claims.push(won);
          return won;
        },
      };
      return d;
    };
    const [a, b] = await Promise.all([
      deliverScheduledReports(racer(db), ORG),
      deliverScheduledReports(racer(other), ORG),
    ]);
    // Exactly one claim won. (Usually both saw the slot due and tried; a racer that reads
    // the schedule after the other's claim committed sees nothing due and does not try.)
    expect(claims.filter((won) => won)).toEqual([true]);
    expect(claims.length).toBeGreaterThanOrEqual(1);
    const delivered = [...a!, ...b!];
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ status: 'delivered', asOf: '2026-12-21' });
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]!.mail.attachments[0]!.filename).toBe('owner-O1-2026-12-21.pdf');
  });

  it('a slot missed by more than a day is skipped, not sent late', async () => {
    clock.set(Date.parse('2026-12-30T15:00:00Z'));
    expect(await deliverScheduledReports(deps(db), ORG)).toEqual([
      expect.objectContaining({ status: 'skipped', slot: '2026-12-28T13:00:00.000Z', slots: 1 }),
    ]);
    expect(smtp.received).toHaveLength(2);
    const skipped = (await readChain(db, ORG)).filter((e) => e.type === 'report.skipped');
    expect(skipped.map((e) => e.data)).toEqual([
      expect.objectContaining({ reason: 'missed', lastSlot: '2026-12-28T13:00:00.000Z' }),
    ]);
    expect(await deliverScheduledReports(deps(db), ORG)).toEqual([]);
  });

  it('a failed send gives the slot back; the next run delivers it', async () => {
    clock.set(Date.parse('2027-01-04T13:05:00Z'));
    const failing: ReportMailer = {
      sendReport: () => Promise.reject(new Error('550 no such user owner.one@example.com')),
    };
    expect(await deliverScheduledReports(deps(db, failing), ORG)).toEqual([
      expect.objectContaining({ status: 'failed', slot: '2027-01-04T13:00:00.000Z' }),
    ]);
    const failed = (await readChain(db, ORG)).filter((e) => e.type === 'report.failed');
    expect(JSON.stringify(failed.map((e) => e.data))).not.toContain('@');
    clock.set(Date.parse('2027-01-04T13:10:00Z'));
    expect(await deliverScheduledReports(deps(db), ORG)).toEqual([
      expect.objectContaining({ status: 'delivered', asOf: '2027-01-04' }),
    ]);
    expect(smtp.received).toHaveLength(3);
    const [stored] = await reportSchedulesRepo(db).list(ORG);
    expect(stored!.lastRunAt).toBe('2027-01-04T13:00:00.000Z');
  });
});
