import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { buildNotice, type NoticeInput } from '../domain/documents/notice.js';
import { sampleLeaseInput } from '../domain/documents/testing.js';
import { pdfSafe } from './pdf-writer.js';
import { renderNoticePdf } from './render-pdf.js';

const FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/** Every page's text, as pdf.js extracts it, whitespace collapsed. */
async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: FONTS,
    useSystemFonts: false,
    isEvalSupported: false,
  }).promise;
  const parts: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    for (const item of content.items) if ('str' in item) parts.push(item.str);
  }
  const pages = pdf.numPages;
  await pdf.destroy();
  return { text: parts.join(' ').replace(/\s+/g, ' '), pages };
}

const input = (leaseId: string, contactId: string): NoticeInput => ({
  lease: sampleLeaseInput(leaseId),
  contactId,
  episode: 1,
  templateId: 'pre-lien-notice',
  method: 'certified_mail',
  servedOn: '2026-10-16',
  reference: `${leaseId}:1:pre-lien-notice:notice`,
});

describe('notice PDF', () => {
  it('shows the tenant, the itemised amounts and the deadline (English)', async () => {
    const pdf = await renderNoticePdf(buildNotice(input('S-1', 'T-1')));
    expect(pdf.bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(pdf.sha256).toBe(createHash('sha256').update(pdf.bytes).digest('hex'));
    const { text, pages } = await pdfText(pdf.bytes);
    expect(pages).toBe(pdf.pages);
    expect(text).toContain('Arroyo Storage Partners, LP');
    expect(text).toContain('Dana Whitfield');
    expect(text).toContain('415 S Lake Ave');
    expect(text).toContain('PRELIMINARY LIEN NOTICE');
    expect(text).toContain('Statement of the amount due');
    expect(text).toContain('Rent, October 2026');
    expect(text).toContain('$195.00');
    expect(text).toContain('Fee: Late fee');
    expect(text).toContain('$20.00');
    expect(text).toContain('Total past due $215.00');
    expect(text).toContain('Last day to pay or act: October 30, 2026');
    expect(text).toContain('14 calendar days');
    expect(text).toContain('Certified mail');
    expect(text).toContain('S-1:1:pre-lien-notice:notice');
    expect(text).toContain(`Page 1 of ${pdf.pages}`);
    // Not a trigger category of the policy, so not demanded.
    expect(text).not.toContain('electricity');
  });

  it('is in Spanish for a Spanish-speaking tenant', async () => {
    const pdf = await renderNoticePdf(buildNotice(input('S-2', 'T-2')));
    const { text } = await pdfText(pdf.bytes);
    expect(text).toContain('Lucía Hernández');
    expect(text).toContain('AVISO PRELIMINAR DE GRAVAMEN');
    expect(text).toContain('Estado de la cantidad debida');
    expect(text).toContain('Renta de octubre de 2026');
    expect(text).toContain('$55.00');
    expect(text).toContain('Último día para pagar o actuar: 30 de octubre de 2026');
    expect(text).toContain('Correo certificado');
    expect(text).toContain('Página 1 de');
  });

  it('is byte-identical for the same input, and differs when the input does', async () => {
    const a = await renderNoticePdf(buildNotice(input('S-1', 'T-1')));
    const b = await renderNoticePdf(buildNotice(input('S-1', 'T-1')));
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    expect(a.sha256).toBe(b.sha256);
    const later = await renderNoticePdf(
      buildNotice({ ...input('S-1', 'T-1'), servedOn: '2026-10-17' }),
    );
    expect(later.sha256).not.toBe(a.sha256);
    // Fixed metadata: the notice's own date, our producer, nothing from the clock.
    const raw = a.bytes.toString('latin1');
    expect(raw).toContain('(D:20261016000000Z)');
    expect(raw).not.toMatch(/\(D:(?!20261016000000Z)/);
    expect(raw).toContain('(Arrears)');
    expect(raw).not.toContain('PDFKit');
    expect(raw).not.toMatch(/\/FontFile/); // standard fonts only, nothing embedded
  });
});

describe('text the standard fonts can draw', () => {
  it('keeps Latin-1 and typographic quotes, spells out the rest', () => {
    expect(pdfSafe('Señora Muñoz — “§21703” ≥ 14 días…')).toBe(
      'Señora Muñoz — “§21703” >= 14 días…',
    );
    expect(pdfSafe('a\u202fb\u2011c ✓')).toBe('a b-c ?');
  });
});
