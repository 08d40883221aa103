/**
 * The cover letter that goes with a legal hand-off: who sends what to whom, the matter in a
 * few lines, the enclosed files with their sha256 (so counsel can check the bytes), and how
 * to reach the office. One page in most cases; written with the shared deterministic PDF
 * writer, so the same hand-off gives the same bytes.
 */
import { formatMoney } from '../../domain/templates/render.js';
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
} from '../../documents/pdf-writer.js';

export interface CoverLetter {
  /** Local date at the property (`YYYY-MM-DD`). */
  date: string;
  attorney: { name: string | null; email: string };
  office: { name: string; email: string | null; phone: string | null };
  property: {
    name: string;
    legalName: string | null;
    jurisdiction: string;
    addressLines: string[];
  };
  lease: { id: string; unit: string };
  tenants: string[];
  balanceCents: number;
  /** The outbox key of the escalation: the reference to quote back. */
  reference: string;
  delivery: { mode: 'attachment' } | { mode: 'link'; url: string; expiresAt: string };
  files: { path: string; bytes: number; sha256: string }[];
}

export async function renderCoverLetter(letter: CoverLetter): Promise<RenderedPdf> {
  const w = openPdf({
    title: `Legal hand-off: lease ${letter.lease.id}`,
    subject: `Evidence packet for lease ${letter.lease.id}, unit ${letter.lease.unit}`,
    author: letter.property.legalName ?? letter.property.name,
    lang: 'en-US',
    date: letter.date,
  });
  const { doc } = w;
  const left = PAGE.margin;
  const para = (text: string) => {
    doc.x = left;
    doc.font(FONT.regular).fontSize(10).text(pdfSafe(text), { width: CONTENT_WIDTH });
    doc.moveDown(0.6);
  };

  doc
    .font(FONT.bold)
    .fontSize(15)
    .text(
      pdfSafe(`Legal hand-off: ${letter.property.name}, unit ${letter.lease.unit}`),
      left,
      PAGE.margin,
      {
        width: CONTENT_WIDTH,
      },
    );
  doc.moveDown(0.6);
  field(w, 'Date', letter.date);
  field(
    w,
    'To',
    letter.attorney.name
      ? `${letter.attorney.name} <${letter.attorney.email}>`
      : letter.attorney.email,
  );
  field(
    w,
    'From',
    [letter.office.name, letter.office.email, letter.office.phone].filter(Boolean).join(', '),
  );
  field(w, 'Reference', letter.reference, 9.5, FONT.mono);
  doc.moveDown(0.6);

  para(
    `${letter.attorney.name ? `Dear ${letter.attorney.name},` : 'Dear Counsel,'} we refer to you the delinquent account below ` +
      'for your review and whatever action you advise. The evidence packet lists the ledger, every notice sent with its ' +
      'proof of service, every other collection action and its outcome, the approvals given, and the audit trail.',
  );
  heading(w, 'The matter');
  const p = letter.property;
  field(
    w,
    'Property',
    [p.name, p.legalName && p.legalName !== p.name ? `(${p.legalName})` : '']
      .filter(Boolean)
      .join(' '),
  );
  if (p.addressLines.length > 0) field(w, 'Address', p.addressLines.join(', '));
  field(w, 'Jurisdiction', p.jurisdiction);
  field(w, 'Lease', `${letter.lease.id}, unit ${letter.lease.unit}`);
  field(w, letter.tenants.length > 1 ? 'Tenants' : 'Tenant', letter.tenants.join('; ') || '-');
  field(w, 'Balance per ledger', `${formatMoney(letter.balanceCents)} as of ${letter.date}`);

  heading(w, 'Enclosed');
  if (letter.delivery.mode === 'link')
    para(
      `The files are not attached: download them from ${letter.delivery.url} ` +
        `until ${letter.delivery.expiresAt}, when the link expires.`,
    );
  else para('The files below are attached to the e-mail this letter came with.');
  table(
    w,
    [
      { header: 'File', width: 150 },
      { header: 'Bytes', width: 52, align: 'right' },
      { header: 'SHA-256', width: CONTENT_WIDTH - 202, font: FONT.mono },
    ],
    letter.files.map((f) => [f.path, String(f.bytes), f.sha256]),
    { fontSize: 7.5 },
  );
  doc.moveDown(0.8);
  para(
    'Please confirm receipt by replying to this e-mail, and tell us when a matter is filed or if you return it; ' +
      'we record each step against the reference above.',
  );
  return w.finish((page, pages) => `Legal hand-off ${letter.reference} - page ${page} of ${pages}`);
}
