/**
 * Every report of SPEC 8 as a PDF: one renderer for the `ReportDocument` each report lays
 * itself out as (domain/reports/document.ts) — title, organisation, as-of date or period,
 * key figures, then tables (the header repeats on every page, totals in bold) and
 * paragraphs. Landscape US Letter, so that wide tables stay readable.
 *
 * Deterministic: the same document gives the same bytes, every time and on every machine.
 * The info dictionary is fixed (CreationDate and ModDate are the report's own date at
 * midnight UTC, Producer and Creator `Arrears`), so the trailer /ID pdfkit derives from it
 * is fixed too; only the PDF standard fonts are used (no font file, no subsetting); streams
 * are compressed by pdfkit's pure-JS deflate; nothing reads the clock.
 *
 * An adapter (it does I/O through pdfkit's buffers); text and dates follow the notices' rules
 * (documents/pdf-writer.ts), so every PDF Arrears makes draws the same characters.
 */
import PDFDocument from 'pdfkit';
import { pdfInfoDate, pdfSafe } from '../documents/pdf-writer.js';
import type {
  ReportColumn,
  ReportDocument,
  ReportTable,
  ReportText,
} from '../domain/reports/document.js';

export interface RenderedReportPdf {
  bytes: Buffer;
  pages: number;
}

const PAGE = { width: 792, height: 612, margin: 40, bottom: 50 } as const;
const WIDTH = PAGE.width - 2 * PAGE.margin;
const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique' };
const SIZE = { title: 16, meta: 10, heading: 11, cell: 8, text: 9, footer: 7.5 } as const;
const PAD = 3;

/** Text the standard fonts can draw (the notices' rule, documents/pdf-writer.ts). */
export const pdfText = pdfSafe;

export async function renderReportPdf(report: ReportDocument): Promise<RenderedReportPdf> {
  const date = pdfInfoDate(report.date);
  const doc = new PDFDocument({
    size: 'LETTER',
    layout: 'landscape',
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.bottom },
    bufferPages: true,
    compress: true,
    pdfVersion: '1.4',
    lang: 'en-US',
    displayTitle: true,
    info: {
      Title: pdfText(report.title),
      Subject: pdfText(`${report.organisation}: ${report.scope}`),
      Author: pdfText(report.organisation),
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

  const x0 = PAGE.margin;
  const ensureSpace = (h: number) => {
    if (doc.y + h > PAGE.height - PAGE.bottom) doc.addPage();
  };

  // Title block.
  doc
    .font(FONT.bold)
    .fontSize(SIZE.title)
    .fillColor('#000000')
    .text(pdfText(report.title), x0, PAGE.margin, { width: WIDTH });
  doc.font(FONT.regular).fontSize(SIZE.meta).text(pdfText(report.organisation), { width: WIDTH });
  doc.text(pdfText(report.scope), { width: WIDTH });
  doc.moveDown(0.4);
  doc
    .moveTo(x0, doc.y)
    .lineTo(x0 + WIDTH, doc.y)
    .lineWidth(0.8)
    .strokeColor('#000000')
    .stroke();
  doc.moveDown(0.6);

  // Key figures, two pairs per line.
  if (report.summary.length > 0) {
    const rows: string[][] = [];
    for (let i = 0; i < report.summary.length; i += 2) {
      const a = report.summary[i]!;
      const b = report.summary[i + 1];
      rows.push([a.label, a.value, b?.label ?? '', b?.value ?? '']);
    }
    drawTable(
      {
        kind: 'table',
        columns: [
          { header: '', weight: 2.2 },
          { header: '', weight: 1.4 },
          { header: '', weight: 2.2 },
          { header: '', weight: 1.4 },
        ],
        rows,
      },
      { header: false, boldColumns: new Set([1, 3]) },
    );
  }

  for (const block of report.blocks) {
    if (block.kind === 'table') drawTable(block, { header: true });
    else drawText(block);
  }

  // Footer on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // text below the margin would start a page
    doc
      .font(FONT.regular)
      .fontSize(SIZE.footer)
      .fillColor('#444444')
      .text(
        pdfText(
          `${report.organisation} · ${report.title} · ${report.scope} · page ${i - range.start + 1} of ${range.count}`,
        ),
        x0,
        PAGE.height - 32,
        { width: WIDTH, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return { bytes: await ended, pages: range.count };

  function heading(text: string): void {
    ensureSpace(SIZE.heading * 5);
    doc.moveDown(0.7);
    doc
      .font(FONT.bold)
      .fontSize(SIZE.heading)
      .fillColor('#000000')
      .text(pdfText(text), x0, doc.y, { width: WIDTH });
    doc.moveDown(0.3);
  }

  function drawText(block: ReportText): void {
    if (block.heading) heading(block.heading);
    else doc.moveDown(0.5);
    doc.font(FONT.regular).fontSize(SIZE.text).fillColor('#000000');
    for (const line of block.lines) {
      const text = pdfText(line);
      ensureSpace(doc.heightOfString(text, { width: WIDTH }) + 2);
      doc.text(text, x0, doc.y, { width: WIDTH });
      doc.moveDown(0.25);
    }
  }

  function drawTable(table: ReportTable, options: { header: boolean; boldColumns?: Set<number> }) {
    if (table.heading) heading(table.heading);
    const widths = columnWidths(table.columns);
    const fontOf = (bold: boolean, i: number) =>
      bold || options.boldColumns?.has(i) ? FONT.bold : FONT.regular;
    const heightOf = (cells: readonly string[], bold: boolean) =>
      Math.max(
        SIZE.cell,
        ...cells.map((c, i) => {
          doc.font(fontOf(bold, i)).fontSize(SIZE.cell);
          return doc.heightOfString(pdfText(c), { width: widths[i]! - 2 * PAD });
        }),
      ) +
      2 * PAD;
    const drawRow = (cells: readonly string[], bold: boolean, shade: boolean) => {
      const h = heightOf(cells, bold);
      const y = doc.y;
      if (shade) doc.rect(x0, y, WIDTH, h).fill('#e8e8e8');
      doc.fillColor('#000000');
      let x = x0;
      cells.forEach((c, i) => {
        doc
          .font(fontOf(bold, i))
          .fontSize(SIZE.cell)
          .text(pdfText(c), x + PAD, y + PAD, {
            width: widths[i]! - 2 * PAD,
            align: table.columns[i]?.align ?? 'left',
          });
        x += widths[i]!;
      });
      doc
        .moveTo(x0, y + h)
        .lineTo(x0 + WIDTH, y + h)
        .lineWidth(0.3)
        .strokeColor('#999999')
        .stroke();
      doc.x = x0;
      doc.y = y + h;
    };
    const headers = table.columns.map((c) => c.header);
    if (table.rows.length === 0 && table.empty !== undefined) {
      ensureSpace(SIZE.text * 3);
      doc
        .font(FONT.italic)
        .fontSize(SIZE.text)
        .fillColor('#000000')
        .text(pdfText(table.empty), x0, doc.y, { width: WIDTH });
      doc.font(FONT.regular);
      return;
    }
    const first = table.rows[0] ?? table.total ?? [];
    if (options.header) {
      ensureSpace(heightOf(headers, true) + heightOf(first, false) + 4);
      drawRow(headers, true, true);
    }
    const rows = table.total ? [...table.rows, table.total] : table.rows;
    rows.forEach((cells, r) => {
      const bold = table.total !== undefined && r === rows.length - 1;
      const h = heightOf(cells, bold);
      if (doc.y + h > PAGE.height - PAGE.bottom) {
        doc.addPage();
        if (options.header) drawRow(headers, true, true);
      }
      drawRow(cells, bold, false);
    });
    doc.font(FONT.regular).fontSize(SIZE.meta);
  }
}

function columnWidths(columns: readonly ReportColumn[]): number[] {
  const total = columns.reduce((s, c) => s + (c.weight ?? 1), 0);
  const widths = columns.map((c) => Math.floor((WIDTH * (c.weight ?? 1)) / total));
  widths[widths.length - 1]! += WIDTH - widths.reduce((s, w) => s + w, 0);
  return widths;
}
