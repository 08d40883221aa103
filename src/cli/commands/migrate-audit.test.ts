import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/database.js';
import { appendAudit } from '../../storage/repos/audit-repo.js';
import { main } from '../index.js';
import { migrationsFor } from '../../storage/migrations/index.js';

const ALL = Object.keys(migrationsFor('sqlite')).sort();

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-cli-'));
  file = join(dir, 'arrears.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

describe('arrears migrate / audit verify (SQLite file)', () => {
  it('migrate applies the migrations, then is a no-op', async () => {
    const first = await run(['migrate', '--db', `sqlite:${file}`]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    for (const name of ALL) expect(first.stdout).toContain(`applied ${name}\n`);
    expect(first.stdout).toContain(
      `sqlite:${file} is up to date (${ALL.length} migrations: ${ALL.join(', ')})`,
    );

    const again = await run(['migrate', '--db', `sqlite:${file}`, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      database: `sqlite:${file}`,
      ranNow: [],
      applied: ALL.map((name) => ({ name })),
      pending: [],
      defaultOrganisationCreated: false,
    });
  });

  it('audit verify reports an intact (empty) chain', async () => {
    const r = await run(['audit', 'verify', '--db', `sqlite:${file}`]);
    expect(r).toEqual({
      code: 0,
      stdout: 'audit chain intact: 0 entries in 1 organisation\n',
      stderr: '',
    });
  });

  it('audit verify counts entries, then fails naming the organisation and the seq', async () => {
    const db = await openDatabase(`sqlite:${file}`);
    for (let i = 1; i <= 5; i++)
      await db.transaction((trx) =>
        appendAudit(trx, 'default', {
          at: `2026-10-0${i}T16:00:00.000Z`,
          actor: 'system:scan',
          type: 'action.planned',
          subject: 'lease:L1',
          data: { i, amountCents: 7500 },
        }),
      );
    await db.close();
    expect((await run(['audit', 'verify', '--db', `sqlite:${file}`])).stdout).toBe(
      'audit chain intact: 5 entries in 1 organisation\n',
    );

    // Another process changes one byte of entry 3's data.
    const raw = new Database(file);
    raw.prepare(`update audit set data = replace(data, '7500', '7501') where seq = 3`).run();
    raw.close();

    const broken = await run(['audit', 'verify', '--db', `sqlite:${file}`]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain('audit chain broken: organisation default, seq 3');
    expect(broken.stderr).toContain('does not match its dataHash');

    const json = await run(['audit', 'verify', '--db', `sqlite:${file}`, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      entries: 2,
      organisations: [
        {
          orgId: 'default',
          ok: false,
          entries: 2,
          seq: 3,
          reason: 'data_hash_mismatch',
          message: 'data of entry 3 does not match its dataHash',
        },
      ],
    });
  });

  it('takes the database from ARREARS_DB, relative to the working directory', async () => {
    const r = await run(['migrate'], { ARREARS_DB: 'sqlite:./env.db' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`sqlite:${join(dir, 'env.db')} is up to date`);
    // The flag wins over the environment.
    const flag = await run(['migrate', '--db', 'sqlite:flag.db'], {
      ARREARS_DB: 'sqlite:./env.db',
    });
    expect(flag.stdout).toContain(`sqlite:${join(dir, 'flag.db')}`);
  });

  it('rejects an unknown database URL (exit 2) and an unmigrated database (exit 1)', async () => {
    const bad = await run(['audit', 'verify', '--db', 'mysql://localhost/x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`mysql://localhost/x` is not a database URL; use sqlite:PATH');
    const empty = await run(['audit', 'verify', '--db', 'sqlite:empty.db']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(
      `is missing migration${ALL.length > 1 ? 's' : ''} ${ALL.join(', ')}`,
    );
    expect(empty.stderr).toContain('run `arrears migrate` first');
  });
});
