/**
 * The fast CSV reader against csv-parse: for every text, the same records on the same lines,
 * or (where the fast reader gives up) csv-parse's own reading and error. And a large file
 * read as it is split: an irregular line far down is still reported before anything else.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvImport, readCsv } from './csv.js';

/** What the importer read before the fast reader existed: csv-parse, lines from its info. */
function csvParse(text: string): { line: number; cells: string[] }[] | 'error' {
  const body = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  try {
    const parsed = parse(body, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: '\n',
    }) as unknown as { info: { lines: number }; record: string[] }[];
    return parsed.map(({ info, record }) => {
      let inner = 0;
      for (const cell of record) for (const ch of cell) if (ch === '\n') inner++;
      return { line: info.lines - inner, cells: record };
    });
  } catch {
    return 'error';
  }
}

const pieces = ['a', 'bc', ',', '"', '""', '\n', '\r\n', '\r', ' ', 'é', '1.50', '\uFEFF'];
const csvText = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((p) => p.join(''));

describe('the CSV reader', () => {
  it('reads every text as csv-parse does (records, their lines, or an error)', () => {
    fc.assert(
      fc.property(csvText, (text) => {
        const read = readCsv(text, 'f.csv');
        expect(read.ok ? read.records : 'error').toEqual(csvParse(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('quoted fields may hold commas, quotes and line breaks; rows keep their first line', () => {
    const read = readCsv('a,b\n"x, y","say ""hi"""\n\n"two\nlines",z\nlast,row', 'f.csv');
    expect(read).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ['a', 'b'] },
        { line: 2, cells: ['x, y', 'say "hi"'] },
        { line: 4, cells: ['two\nlines', 'z'] },
        { line: 6, cells: ['last', 'row'] },
      ],
    });
  });

  it('a malformed line far down a large file is reported, with its row', () => {
    const rows = ['lease_id,property_id,tenant_name,date,type,amount'];
    for (let i = 0; i < 20_000; i++) rows.push(`L${i},P1,Tenant ${i},2026-10-01,charge,10.00`);
    rows.push('L-bad,P1,"Never closed,2026-10-01,charge,10.00');
    const result = parseCsvImport(rows.join('\n'), {
      file: 'big.csv',
      preset: 'generic',
      asOf: '2026-10-15',
      knownPropertyIds: new Set(['P1']),
      skipInvalid: false,
    });
    expect(result.issues).toEqual([
      {
        file: 'big.csv',
        path: 'row 20002',
        message: expect.stringContaining('a quoted value is never closed'),
      },
    ]);
  });

  it('the same rows, quoted or not, import the same', () => {
    const plain =
      'lease_id,property_id,tenant_name,date,type,amount\nL1,P1,Ana Ruiz,2026-10-01,charge,10.00\n';
    const quoted = plain
      .split('\n')
      .map((l) =>
        l === ''
          ? l
          : l
              .split(',')
              .map((c) => `"${c}"`)
              .join(','),
      )
      .join('\n');
    const options = {
      file: 'f.csv',
      preset: 'generic' as const,
      asOf: '2026-10-15',
      knownPropertyIds: new Set(['P1']),
      skipInvalid: false,
    };
    expect(parseCsvImport(quoted, options)).toEqual(parseCsvImport(plain, options));
  });
});
