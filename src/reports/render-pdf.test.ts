/**
 * The report PDF (render-pdf.ts): every report of the fixture portfolio renders, reads
 * back with its title, organisation, period and figures, and gives the same bytes twice.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { AS_OF, fixtureData, ORGANISATION, PERIOD } from '../../test/support/report-fixture.js';
import { agingReportDocument } from '../domain/reports/aging-document.js';
import { agingReport } from '../domain/reports/aging-report.js';
import {
  collectionsReport,
  collectionsReportDocument,
} from '../domain/reports/collections-report.js';
import {
  delinquencyReport,
  delinquencyReportDocument,
} from '../domain/reports/delinquency-report.js';
import type { ReportDocument } from '../domain/reports/document.js';
import { feesReport, feesReportDocument } from '../domain/reports/fees-report.js';
import { noticesReport, noticesReportDocument } from '../domain/reports/notices-report.js';
import { ownerReport, ownerReportDocument } from '../domain/reports/owner-report.js';
import { pipelineReport, pipelineReportDocument } from '../domain/reports/pipeline-report.js';
import { promisesReport, promisesReportDocument } from '../domain/reports/promises-report.js';
import { weeklyReport, weeklyReportDocument } from '../domain/reports/weekly-report.js';
import { pdfText, renderReportPdf } from './render-pdf.js';

const FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/** Every page's text as pdf.js extracts it, whitespace collapsed, and the page count. */
async function readPdf(bytes: Uint8Array): Promise<{ text: string; pages: string[] }> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: FONTS,
    useSystemFonts: false,
    isEvalSupported: false,
  }).promise;
  const pages: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    pages.push(
      content.items
        .map((i) => ('str' in i ? i.str : ''))
        .join(' ')
        .replace(/\s+/g, ' '),
    );
  }
  await pdf.destroy();
  return { text: pages.join(' '), pages };
}

const data = fixtureData();
const documents: [string, ReportDocument, string[]][] = [
  [
    'aging',
    agingReportDocument(agingReport(data.portfolio, AS_OF), ORGANISATION),
    ['$9,810.00', 'Ana Ruiz'],
  ],
  [
    'delinquency',
    delinquencyReportDocument(delinquencyReport(data, AS_OF), ORGANISATION),
    [
      '$9,735.00',
      'Watch for the promised payment', // The name wraps in its cell: shown as text, in two pieces.
      '=HYPERLINK("http://',
      'evil.example","pay here")',
    ],
  ],
  [
    'pipeline',
    pipelineReportDocument(pipelineReport(data, AS_OF), ORGANISATION),
    ['Legal review', '$8,350.00'],
  ],
  [
    'promises',
    promisesReportDocument(promisesReport(data, PERIOD, AS_OF), ORGANISATION),
    ['66.7%', '$5,685.00'],
  ],
  [
    'collections',
    collectionsReportDocument(collectionsReport(data, PERIOD), ORGANISATION),
    ['$3,825.00', '28.1%'],
  ],
  [
    'notices',
    noticesReportDocument(noticesReport(data, PERIOD), ORGANISATION),
    ['certified_mail', '28.6%'],
  ],
  ['fees', feesReportDocument(feesReport(data, PERIOD), ORGANISATION), ['$75.00', 'lien']],
  [
    'weekly',
    weeklyReportDocument(weeklyReport(data, PERIOD, AS_OF), ORGANISATION),
    ['$3,825.00', 'payment received'],
  ],
  [
    'owner',
    ownerReportDocument(ownerReport(data, AS_OF), ORGANISATION),
    ['Unit 7D: $900.00 more than 90 days past due; placed with a collections agency on 2026-11-02'],
  ],
];

describe('report PDF', () => {
  for (const [name, doc, figures] of documents)
    it(`${name}: renders readable text, the same bytes every time`, async () => {
      const a = await renderReportPdf(doc);
      const b = await renderReportPdf(doc);
      expect(a.bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
      expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
      // The dates in the info dictionary are the report's own (no clock).
      const raw = a.bytes.toString('latin1');
      expect(raw).toContain('/CreationDate ');
      expect(raw.match(/\(D:\d{14}Z\)/g)).toEqual(['(D:20261215000000Z)', '(D:20261215000000Z)']);
      const { text, pages } = await readPdf(a.bytes);
      expect(pages).toHaveLength(a.pages);
      expect(text).toContain(doc.title);
      expect(text).toContain(ORGANISATION);
      expect(text).toContain(doc.scope);
      expect(text).toContain(`page 1 of ${a.pages}`);
      for (const f of figures) expect(text).toContain(f);
    });

  it('a long table flows over pages with its header on each; the total is on the last', async () => {
    const doc: ReportDocument = {
      title: 'Long',
      organisation: ORGANISATION,
      scope: 'As of 2026-12-15',
      date: AS_OF,
      summary: [{ label: 'Rows', value: '120' }],
      blocks: [
        {
          kind: 'table',
          heading: 'Rows',
          columns: [{ header: 'Lease' }, { header: 'Amount', align: 'right' }],
          rows: Array.from({ length: 120 }, (_, i) => [`LEASE-${i + 1}`, `$${i + 1}.00`]),
          total: ['Total', '$7,260.00'],
        },
        { kind: 'text', heading: 'Notes', lines: ['≥ 90 days → legal'] },
      ],
    };
    const pdf = await renderReportPdf(doc);
    expect(pdf.pages).toBeGreaterThan(2);
    const { pages } = await readPdf(pdf.bytes);
    for (const p of pages.slice(0, -1)) expect(p).toContain('Lease Amount');
    expect(pages.join(' ')).toContain('LEASE-120');
    expect(pages.at(-1)).toContain('Total $7,260.00');
    expect(pages.at(-1)).toContain('>= 90 days -> legal');
  });

  it('draws only what the standard fonts can show', () => {
    expect(pdfText('61–90 · “ok” ≥ 5 → x 😀')).toBe('61–90 · “ok” >= 5 -> x ?');
  });
});
