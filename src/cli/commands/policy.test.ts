import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../index.js';

let dir: string;

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    env: {},
    cwd: dir,
  });
  return { code, out, err };
}

const VALID = `id: storage-ca
version: 3
appliesTo: {jurisdiction: US-CA, kind: storage}
stages:
  - id: late-notice
    day: 10
    actions:
      - {id: fee, type: fee, amountCents: 2000}
      - {id: sms, type: message, channel: sms, template: late-notice, fallback: email}
  - id: pre-lien
    day: 14
    required: true
    actions:
      - {id: doc, type: document, template: pre-lien-notice, delivery: [certified_mail], to: [tenant, alternate]}
`;

const INVALID = `id: storage-ca
version: 2
appliesTo: {jurisdiction: US-CA, kind: storage}
stages:
  - id: late-notice
    day: 5
    actions:
      - {id: fee, type: fee, amountCents: 2000}
      - {id: sms, type: message, channel: sms, template: pre-lien-notice}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-policy-'));
  write('valid.yaml', VALID);
  write('invalid.yaml', INVALID);
  write('broken.json', '{"id": "x",\n "stages": [}');
  write('shape.yaml', 'id: x\nstages:\n  - {id: a, day: 1, bogus: true}\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('arrears policy validate', () => {
  it('prints a one-line summary and exits 0 for a valid policy', async () => {
    const r = await run('policy', 'validate', 'valid.yaml');
    expect(r).toEqual({
      code: 0,
      out: 'valid.yaml: valid — policy storage-ca v3, 2 stages\n',
      err: '',
    });
  });

  it('prints every error with file and path on stderr and exits 2', async () => {
    const r = await run('policy', 'validate', 'invalid.yaml');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^error: invalid\.yaml: stages\[0\] \(late-notice\)\.actions\[1\]\.template: `pre-lien-notice` is a document template/,
      ),
      expect.stringMatching(
        /^error: invalid\.yaml: stages\[0\] \(late-notice\)\.day: .*CA storage allows a late fee no earlier than day 10/,
      ),
      '2 errors; nothing was written.',
    ]);
  });

  it('prints one JSON document with --json', async () => {
    const ok = await run('policy', 'validate', 'valid.yaml', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({
      valid: true,
      policy: { id: 'storage-ca', version: 3 },
      errors: [],
    });

    const bad = await run('policy', 'validate', '--json', 'invalid.yaml');
    expect(bad.code).toBe(2);
    const doc = JSON.parse(bad.out);
    expect(doc).toMatchObject({ valid: false, policy: { id: 'storage-ca', version: 2 } });
    expect(doc.errors).toHaveLength(2);
    expect(doc.errors[0]).toEqual({
      file: 'invalid.yaml',
      path: 'stages[0] (late-notice).actions[1].template',
      message: expect.stringContaining('document template'),
    });
    expect(bad.err).toBe('');
  });

  it('reports malformed JSON with its line and column', async () => {
    const r = await run('policy', 'validate', 'broken.json', '--json');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out);
    expect(doc.policy).toBeNull();
    expect(doc.errors).toEqual([
      {
        file: 'broken.json',
        path: 'line 2, column 13',
        message: expect.stringContaining('not valid JSON'),
      },
    ]);
  });

  it('reports schema errors such as unknown keys', async () => {
    const r = await run('policy', 'validate', 'shape.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: shape.yaml: stages[0] (a).bogus: unknown field `bogus`');
  });

  it('names a missing file and exits 2', async () => {
    const r = await run('policy', 'validate', 'nope.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: nope.yaml: file not found');
  });

  it('rejects a bad --as-of date', async () => {
    const r = await run('policy', 'validate', 'valid.yaml', '--as-of', '2026-13-01');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--as-of');
  });

  it('validates the shipped examples', async () => {
    for (const name of ['storage-ca.yaml', 'residential-ca.yaml', 'residential-tx.yaml']) {
      const path = fileURLToPath(new URL(`../../../examples/policies/${name}`, import.meta.url));
      const r = await run('policy', 'validate', path);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/: valid — policy [a-z-]+ v\d+, \d+ stages\n$/);
    }
  });

  it('exits 2 when the file argument is missing', async () => {
    const r = await run('policy', 'validate');
    expect(r.code).toBe(2);
  });
});
