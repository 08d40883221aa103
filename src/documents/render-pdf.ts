/**
 * A notice (domain/documents/notice.ts) on paper: letterhead, date, method of service and
 * reference, recipient block, the template's title and body, then a statement of the
 * amount due, the deadline with how it was counted, and where to pay. Same model, same
 * bytes (see pdf-writer.ts); the sha256 returned is the document's content address.
 */
import { noticeLabels } from '../domain/documents/labels.js';
import type { NoticeModel } from '../domain/documents/notice.js';
import { formatLongDate, formatMoney } from '../domain/templates/render.js';
import {
  CONTENT_WIDTH,
  field,
  FONT,
  heading,
  openPdf,
  PAGE,
  pdfSafe,
  table,
  type RenderedPdf,
} from './pdf-writer.js';

export type { RenderedPdf } from './pdf-writer.js';

export async function renderNoticePdf(notice: NoticeModel): Promise<RenderedPdf> {
  const L = noticeLabels(notice.locale);
  const money = (cents: number) => formatMoney(cents, notice.locale, notice.currency);
  const date = (d: string) => formatLongDate(d, notice.locale);
  const w = openPdf({
    title: notice.title,
    subject: notice.reference ?? notice.templateId,
    author: notice.letterhead.name,
    lang: notice.locale === 'es' ? 'es-US' : 'en-US',
    date: notice.servedOn,
  });
  const { doc } = w;
  const left = PAGE.margin;
  const block = (lines: readonly string[], size = 9.5) => {
    doc.font(FONT.regular).fontSize(size);
    for (const line of lines) doc.text(pdfSafe(line), left, undefined, { width: CONTENT_WIDTH });
  };

  // Letterhead.
  doc.font(FONT.bold).fontSize(15).text(pdfSafe(notice.letterhead.name), left, PAGE.margin, {
    width: CONTENT_WIDTH,
  });
  block([
    ...notice.letterhead.addressLines,
    [notice.letterhead.phone, notice.letterhead.email].filter(Boolean).join('  ·  '),
  ]);
  doc.moveDown(0.4);
  doc
    .moveTo(left, doc.y)
    .lineTo(left + CONTENT_WIDTH, doc.y)
    .lineWidth(0.8)
    .strokeColor('#000000')
    .stroke();
  doc.moveDown(0.8);

  field(w, L.date, date(notice.servedOn));
  field(w, L.deliveredBy, L.methods[notice.method] ?? notice.method);
  if (notice.reference !== null) field(w, L.reference, notice.reference, 8, FONT.mono);
  doc.moveDown(0.8);

  // Recipient block: name and mailing address, as a window envelope shows them.
  doc.font(FONT.bold).fontSize(10.5).text(pdfSafe(notice.recipient.name), left, undefined, {
    width: CONTENT_WIDTH,
  });
  block(notice.recipient.addressLines, 10.5);
  doc.moveDown(0.6);
  field(
    w,
    L.premises,
    [
      notice.premises.propertyName,
      `${L.unit} ${notice.premises.unit}`,
      ...notice.premises.addressLines,
    ].join(', '),
  );
  doc.moveDown(1);

  // Title and the template's text.
  doc.font(FONT.bold).fontSize(13).text(pdfSafe(notice.title.toUpperCase()), left, undefined, {
    width: CONTENT_WIDTH,
    align: 'center',
  });
  doc.moveDown(0.8);
  doc.font(FONT.regular).fontSize(10.5);
  for (const paragraph of notice.body.split(/\n{2,}/)) {
    w.ensureSpace(30);
    doc.text(pdfSafe(paragraph), left, undefined, { width: CONTENT_WIDTH, lineGap: 1.5 });
    doc.moveDown(0.6);
  }

  // Statement of the amount due.
  const rentOnly = notice.demand === 'rent_only';
  const lines = rentOnly ? notice.balance.rentLines : notice.balance.lines;
  heading(w, rentOnly ? L.statementRentOnly : L.statement);
  table(
    w,
    [
      { header: L.dueDate, width: 110 },
      { header: L.description, width: CONTENT_WIDTH - 110 - 2 * 90 },
      { header: L.charged, width: 90, align: 'right' },
      { header: L.unpaid, width: 90, align: 'right' },
    ],
    [
      ...lines.map((l) => [
        date(l.dueDate),
        l.description,
        money(l.chargedCents),
        money(l.unpaidCents),
      ]),
      [
        '',
        rentOnly ? L.rentPastDue : L.totalPastDue,
        '',
        money(rentOnly ? notice.balance.pastDueRentCents : notice.balance.pastDueCents),
      ],
    ],
    { fontSize: 9.5, bold: (r) => r === lines.length },
  );
  if (rentOnly) {
    doc.moveDown(0.4);
    doc.font(FONT.italic).fontSize(9).text(pdfSafe(L.rentOnlyNote), left, undefined, {
      width: CONTENT_WIDTH,
    });
  }

  // The deadline the jurisdiction pack computed, and how.
  const s = notice.statutory;
  if (s) {
    heading(w, L.deadline);
    field(w, L.deadlineLine, date(s.deadline), 10.5);
    field(w, L.counting, s.countingText);
    field(w, L.law, `${s.title}. ${s.citation}`);
  }

  // Where to pay.
  heading(w, L.payTo);
  doc.font(FONT.bold).fontSize(9.5).text(pdfSafe(notice.payTo.name), left, undefined, {
    width: CONTENT_WIDTH,
  });
  if (notice.payTo.addressLines.length > 0)
    field(w, L.address, notice.payTo.addressLines.join(', '));
  if (notice.payTo.hours) field(w, L.hours, notice.payTo.hours);
  if (notice.payTo.phone) field(w, L.phone, notice.payTo.phone);
  if (notice.payTo.email) field(w, L.email, notice.payTo.email);
  if (notice.payTo.link) field(w, L.online, notice.payTo.link);

  return w.finish((page, pages) =>
    [notice.reference, L.page(page, pages)].filter(Boolean).join('  ·  '),
  );
}
