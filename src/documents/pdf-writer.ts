/**
 * A deterministic PDF writer over pdfkit, shared by notices and evidence packets: the same
 * calls give the same bytes, every time and on every machine.
 *
 * - The info dictionary is fixed by the caller (CreationDate / ModDate from the document's
 *   own date, Producer and Creator `Arrears`), so the trailer /ID, which pdfkit derives
 *   from it, is fixed too.
 * - Only the PDF standard fonts (Helvetica, Courier), which pdfkit carries as metrics and
 *   viewers supply: no font file, no subsetting, no randomness.
 * - Streams are compressed by pdfkit's pure-JS deflate, which does not vary by platform.
 * - Pages are buffered so the footer can say "page n of N".
 */
import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';

export interface RenderedPdf {
  bytes: Buffer;
  sha256: string;
  pages: number;
}

export interface PdfSetup {
  title: string;
  subject?: string;
  author?: string;
  /** BCP 47 language of the text: `en-US`, `es-US`. */
  lang: string;
  /** The document's own date (`YYYY-MM-DD` or an ISO instant): its CreationDate. */
  date: string;
}

export const PAGE = { width: 612, height: 792, margin: 54, bottom: 72 } as const;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;

export const FONT = {
  regular: 'Helvetica',
  bold: 'Helvetica-Bold',
  italic: 'Helvetica-Oblique',
  mono: 'Courier',
} as const;

// WinAnsiEncoding beyond Latin-1: what the standard fonts can show in 0x80–0x9F.
const WIN_ANSI_EXTRA = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x017d, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x017e, 0x0178,
]);
const REPLACEMENTS: Record<string, string> = {
  '≥': '>=',
  '≤': '<=',
  '→': '->',
  '←': '<-',
  '≠': '!=',
  '\u2212': '-',
  '\u2010': '-',
  '\u2011': '-',
  '\u2009': ' ',
  '\u200a': ' ',
  '\u202f': ' ',
  '\u2007': ' ',
  '\u200b': '',
  '\t': '    ',
};

/**
 * Text the standard fonts can draw: anything outside WinAnsiEncoding would come out as the
 * wrong glyph, so it is spelled another way (`≥` → `>=`) or replaced by `?`.
 */
export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\n' || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) out += ch;
    else if (WIN_ANSI_EXTRA.has(cp)) out += ch;
    else out += REPLACEMENTS[ch] ?? '?';
  }
  return out;
}

/** A fixed Date for the info dictionary: midnight UTC of a local date, or the instant given. */
export function pdfInfoDate(date: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00.000Z`) : new Date(date);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${date}`);
  d.setUTCMilliseconds(0); // the PDF date has whole seconds
  return d;
}

export interface PdfWriter {
  doc: PDFKit.PDFDocument;
  /** Starts a new page when fewer than `height` points are left above the bottom margin. */
  ensureSpace(height: number): void;
  /** Ends the document, writing `footer(page, pages)` at the foot of every page. */
  finish(footer?: (page: number, pages: number) => string): Promise<RenderedPdf>;
}

export function openPdf(setup: PdfSetup): PdfWriter {
  const date = pdfInfoDate(setup.date);
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.bottom },
    bufferPages: true,
    compress: true,
    pdfVersion: '1.4',
    lang: setup.lang,
    displayTitle: true,
    info: {
      Title: pdfSafe(setup.title),
      ...(setup.subject ? { Subject: pdfSafe(setup.subject) } : {}),
      ...(setup.author ? { Author: pdfSafe(setup.author) } : {}),
      Producer: 'Arrears',
      Creator: 'Arrears',
      CreationDate: date,
      ModDate: date,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font(FONT.regular).fontSize(10);
  return {
    doc,
    ensureSpace(height) {
      if (doc.y + height > PAGE.height - PAGE.bottom) doc.addPage();
    },
    async finish(footer) {
      const range = doc.bufferedPageRange();
      if (footer)
        for (let i = range.start; i < range.start + range.count; i++) {
          doc.switchToPage(i);
          // Text below the bottom margin would make pdfkit start a page: lift the margin.
          const bottom = doc.page.margins.bottom;
          doc.page.margins.bottom = 0;
          doc
            .font(FONT.regular)
            .fontSize(7.5)
            .fillColor('#444444')
            .text(
              pdfSafe(footer(i - range.start + 1, range.count)),
              PAGE.margin,
              PAGE.height - 44,
              {
                width: CONTENT_WIDTH,
                align: 'center',
                lineBreak: false,
              },
            );
          doc.page.margins.bottom = bottom;
        }
      doc.end();
      const bytes = await ended;
      return {
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        pages: range.count,
      };
    },
  };
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right' | 'center';
  font?: string;
}

/**
 * A table that flows over pages (the header row repeats on each). Cells wrap within their
 * column; a row never splits across pages.
 */
export function table(
  w: PdfWriter,
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { fontSize?: number; bold?: (row: number) => boolean } = {},
): void {
  const { doc } = w;
  const size = options.fontSize ?? 8.5;
  const pad = 3;
  const x0 = PAGE.margin;
  const heightOf = (cells: readonly string[], font: (i: number) => string) =>
    Math.max(
      ...cells.map((c, i) => {
        doc.font(font(i)).fontSize(size);
        return doc.heightOfString(pdfSafe(c), { width: columns[i]!.width - 2 * pad });
      }),
    ) +
    2 * pad;
  const drawRow = (cells: readonly string[], font: (i: number) => string, shade: boolean) => {
    const h = heightOf(cells, font);
    const y = doc.y;
    if (shade) doc.rect(x0, y, CONTENT_WIDTH, h).fill('#eeeeee');
    doc.fillColor('#000000');
    let x = x0;
    cells.forEach((c, i) => {
      const col = columns[i]!;
      doc
        .font(font(i))
        .fontSize(size)
        .text(pdfSafe(c), x + pad, y + pad, {
          width: col.width - 2 * pad,
          align: col.align ?? 'left',
        });
      x += col.width;
    });
    doc
      .moveTo(x0, y + h)
      .lineTo(x0 + CONTENT_WIDTH, y + h)
      .lineWidth(0.3)
      .strokeColor('#999999')
      .stroke();
    doc.x = x0;
    doc.y = y + h;
  };
  const headers = columns.map((c) => c.header);
  const headerFont = () => FONT.bold;
  // The header and at least one row start on the same page.
  w.ensureSpace(2 * heightOf(headers, headerFont) + 4);
  drawRow(headers, headerFont, true);
  rows.forEach((cells, r) => {
    const font = (i: number) =>
      options.bold?.(r) ? FONT.bold : (columns[i]!.font ?? FONT.regular);
    if (doc.y + heightOf(cells, font) > PAGE.height - PAGE.bottom) {
      doc.addPage();
      drawRow(headers, headerFont, true);
    }
    drawRow(cells, font, false);
  });
  doc.font(FONT.regular).fontSize(10);
}

/** A bold section heading with a little space above. */
export function heading(w: PdfWriter, text: string, size = 11.5): void {
  w.ensureSpace(size * 4);
  w.doc.moveDown(0.8);
  w.doc.x = PAGE.margin;
  w.doc
    .font(FONT.bold)
    .fontSize(size)
    .fillColor('#000000')
    .text(pdfSafe(text), { width: CONTENT_WIDTH });
  w.doc.moveDown(0.3);
  w.doc.font(FONT.regular).fontSize(10);
}

/** `Label: value` on one line (wrapping under itself), label in bold. */
export function field(
  w: PdfWriter,
  label: string,
  value: string,
  size = 9.5,
  font: string = FONT.regular,
): void {
  const { doc } = w;
  doc.x = PAGE.margin;
  doc
    .font(FONT.bold)
    .fontSize(size)
    .text(`${pdfSafe(label)}: `, { continued: true, width: CONTENT_WIDTH })
    .font(font)
    .text(pdfSafe(value), { width: CONTENT_WIDTH });
  doc.font(FONT.regular).fontSize(10);
}
