/**
 * The SQLite file refuses writes.
 *
 * Read-only: `scan`, `import` and `approve` run through the real CLI in a child process
 * against a database file made read-only (chmod 0444), in a folder the user may write and
 * in one it may not. Each exits 1 with one line naming the file and the fix, and the file
 * is byte for byte what it was. Doing what the message says (make it writable) lets the
 * same command through. Tests usually run as root, whom file permissions do not stop: the
 * child then runs as `nobody`, as an operator's service account would.
 *
 * Full: the disk filling up mid-import and mid-scan, simulated with SQLite's
 * `max_page_count` on the connection (SQLITE_FULL, as a full disk answers). The import is
 * one transaction: nothing of it is left and it can simply be run again. A scan commits a
 * batch of leases at a time, each write with its audit entries: what committed is whole,
 * the scan is left unfinished (no `scan.completed`), and the next scan finishes the job
 * with exactly the items a scan that never failed writes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import { explainStorageError, sqliteFileOf } from '../../src/cli/storage-errors.js';
import { storesFor } from '../../src/main.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { readChain, verifyAudit } from '../../src/storage/repos/audit-repo.js';
import {
  DEFAULT_ORG_ID,
  ensureDefaultOrganisation,
} from '../../src/storage/repos/organisations-repo.js';
import { runCli } from '../support/cli.js';
import { lateNoticePolicy, oakCourt } from '../support/oak-court.js';

const ROOT = resolve(import.meta.dirname, '../..');
const POLICY = `id: residential-ca
appliesTo: {jurisdiction: US-CA, kind: residential}
stages:
  - id: late-notice
    day: 5
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice}
`;

/** Whom file permissions stop: ourselves, or `nobody` when we are root. */
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/**
 * As root the CLI child runs as `nobody`, which must be able to read this checkout (a
 * checkout inside a private folder, e.g. `mktemp -d`, is not): otherwise the read-only
 * test is skipped, saying why.
 */
const childCanRun =
  !asRoot ||
  spawnSync(
    process.execPath,
    ['-e', `require('fs').accessSync(${JSON.stringify(resolve(ROOT, 'test/faults/run-cli.ts'))})`],
    { uid: NOBODY, gid: NOBODY },
  ).status === 0;
if (!childCanRun)
  console.warn(
    `read-only SQLite test skipped: user nobody cannot read ${ROOT} (make its folders world-searchable to run it)`,
  );

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill();
  for (const dir of dirs) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arrears-fault-'));
  dirs.push(dir);
  return dir;
}

type Run = { code: number; out: string; err: string };

/**
 * A child process running `arrears` commands as the user file permissions apply to:
 * `run(commands)` runs a batch in order and resolves with what each printed.
 */
function cliAsUser() {
  const env = { ...process.env };
  delete env.ARREARS_DB;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'test/faults/run-cli.ts')],
    {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async run(...commands: string[][]): Promise<Run[]> {
      child.stdin.write(`${JSON.stringify(commands)}\n`);
      const line = await lines.next();
      if (line.done) throw new Error('the CLI child process ended early');
      return JSON.parse(line.value) as Run[];
    },
    end: () =>
      new Promise<number | null>((done) => {
        child.on('close', done);
        child.stdin.end();
      }),
  };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('a read-only SQLite file', () => {
  /**
   * A database with one draft (Ana's late-notice text), read-only to the child's user;
   * made through the CLI, or copied from one made before.
   */
  async function drafted(from?: string) {
    const dir = tempDir();
    const file = join(dir, 'arrears.db');
    const db = ['--db', `sqlite:${file}`];
    if (from) for (const f of FILES) copyFileSync(join(from, f), join(dir, f));
    else {
      writeFileSync(join(dir, 'policy.yaml'), POLICY);
      writeFileSync(join(dir, 'p1.json'), JSON.stringify(oakCourt()));
      const paid = oakCourt();
      paid.ledger.push({
        id: 'P1',
        leaseId: 'L1',
        date: '2026-10-07',
        type: 'payment',
        amountCents: 150000,
      });
      writeFileSync(join(dir, 'p2.json'), JSON.stringify(paid));
      for (const argv of [
        ['policy', 'apply', 'policy.yaml'],
        ['import', 'p1.json'],
        ['user', 'add', 'maria@example.com', '--role', 'manager'],
        ['scan', '--at', '2026-10-06T20:00:00Z'],
      ])
        expect((await runCli([...argv, ...db], dir)).code).toBe(0);
    }
    chmodSync(dir, 0o755);
    for (const f of FILES) chmodSync(join(dir, f), f === 'arrears.db' ? 0o444 : 0o644);
    const commands = [
      ['scan', '--at', '2026-10-20T20:00:00Z'],
      ['import', join(dir, 'p2.json')],
      ['approve', '--all', '--as', 'maria@example.com'],
    ].map((argv) => [...argv, ...db]);
    return { dir, file, db, commands };
  }
  const FILES = ['arrears.db', 'policy.yaml', 'p1.json', 'p2.json'];

  const refusal = (file: string) => ({
    code: 1,
    out: '',
    err:
      `error: cannot write to ${file}: it is read-only for this user (the file, its -wal and ` +
      '-shm files, or its folder); nothing was written. Make them writable by the user running ' +
      `arrears (e.g. chmod u+w ${file}*), or point --db / ARREARS_DB at a writable copy.\n`,
  });

  it.runIf(childCanRun)(
    'scan, import and approve exit 1 naming the file and the fix, in a writable folder or not; nothing is written; done as it says, the scan goes through',
    async () => {
      // One file in a folder the user may write (SQLite adds its -wal and -shm files there,
      // read-only like the database), one in a read-only folder.
      const open = await drafted();
      if (asRoot) chownSync(open.dir, NOBODY, NOBODY);
      const closed = await drafted(open.dir);
      chmodSync(closed.dir, 0o555);
      const before = [sha256(open.file), sha256(closed.file)];

      const user = cliAsUser();
      const runs = await user.run(...open.commands, ...closed.commands);
      const commands = [...open.commands, ...closed.commands];
      for (const [i, run] of runs.entries()) {
        const file = i < open.commands.length ? open.file : closed.file;
        expect({ command: commands[i]!.slice(0, 2), ...run }).toEqual({
          command: commands[i]!.slice(0, 2),
          ...refusal(file),
        });
      }
      expect([sha256(open.file), sha256(closed.file)]).toEqual(before);
      // Opened by its owner, the database is as it was: one draft, the audit chain intact.
      chmodSync(closed.dir, 0o755);
      const outbox = await runCli(['outbox', '--json', ...closed.db], closed.dir);
      expect(
        (JSON.parse(outbox.out) as { items: { status: string }[] }).items.map((i) => i.status),
      ).toEqual(['draft']);
      expect((await runCli(['audit', 'verify', ...closed.db], closed.dir)).code).toBe(0);

      // As the message says: chmod u+w FILE* (for the user running arrears).
      for (const f of [open.file, `${open.file}-wal`, `${open.file}-shm`]) {
        if (asRoot) chownSync(f, NOBODY, NOBODY);
        chmodSync(f, 0o644);
      }
      const [fixed] = await user.run([...open.commands[0]!, '--full', '--json']);
      expect(fixed).toMatchObject({ code: 0, err: '' });
      expect(JSON.parse(fixed!.out)).toMatchObject({ evaluated: 1 });
      expect(await user.end()).toBe(0);
    },
    60_000,
  );
});

describe('a full disk (SQLITE_FULL)', () => {
  const LEASES = 120;
  const ids = Array.from({ length: LEASES }, (_, i) => String(i).padStart(3, '0'));
  const portfolio = JSON.stringify({
    ...oakCourt(),
    tenants: ids.map((i) => ({
      id: `T${i}`,
      name: `Tenant ${i}`,
      email: `t${i}@example.com`,
      phone: '+14155550101',
      consent: { sms: true, email: true },
    })),
    leases: ids.map((i) => ({
      id: `L${i}`,
      propertyId: 'P1',
      unit: `U${i}`,
      tenantIds: [`T${i}`],
      rentCents: 150000,
    })),
    ledger: ids.map((i) => ({
      id: `C${i}`,
      leaseId: `L${i}`,
      date: '2026-10-01',
      type: 'charge',
      category: 'rent',
      amountCents: 150000,
      dueDate: '2026-10-01',
    })),
  });

  async function open(file: string) {
    const db = await openDatabase(`sqlite:${file}`);
    const clock = fixedClock(Date.parse('2026-10-06T20:00:00Z'));
    return { db, clock, deps: { clock, ...storesFor(db) } };
  }
  const pages = async (db: Db) =>
    Number(
      (await sql<{ page_count: number }>`pragma page_count`.execute(db.kysely)).rows[0]!.page_count,
    );
  /** The disk holds `n` pages (this connection's view: SQLite answers SQLITE_FULL beyond). */
  const diskOf = (db: Db, n: number) => sql.raw(`pragma max_page_count = ${n}`).execute(db.kysely);
  const count = async (
    db: Db,
    table: 'leases' | 'tenants' | 'ledger_entries' | 'import_files' | 'outbox' | 'cases',
  ) =>
    Number(
      (
        await db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const importIt = (deps: Awaited<ReturnType<typeof open>>['deps']) =>
    importJsonPortfolio(deps, {
      orgId: DEFAULT_ORG_ID,
      fileName: 'portfolio.json',
      text: portfolio,
      format: 'json',
      actor: 'test',
    });

  async function ready() {
    const dir = tempDir();
    const file = join(dir, 'arrears.db');
    const o = await open(file);
    await migrateToLatest(o.db);
    await ensureDefaultOrganisation(o.db, '2026-09-01T00:00:00.000Z');
    await o.deps.policies.save(
      DEFAULT_ORG_ID,
      lateNoticePolicy(
        '{id: sms, type: message, channel: sms, template: late-notice}',
        '{id: email, type: message, channel: email, template: late-notice}',
      ),
      'test',
      '2026-09-30T12:00:00.000Z',
    );
    return { dir, file, ...o };
  }

  it('mid-import: the import rolls back whole, the CLI names the file and the fix, and the same import runs again once there is room', async () => {
    const s = await ready();
    const audit = (await readChain(s.db, DEFAULT_ORG_ID)).length;
    await diskOf(s.db, (await pages(s.db)) + 10);
    const error = await importIt(s.deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SQLITE_FULL' });
    for (const table of ['leases', 'tenants', 'ledger_entries', 'import_files'] as const)
      expect({ table, rows: await count(s.db, table) }).toEqual({ table, rows: 0 });
    expect((await readChain(s.db, DEFAULT_ORG_ID)).length).toBe(audit);
    expect((await verifyAudit(s.db)).ok).toBe(true);

    // What `arrears import portfolio.json --db sqlite:FILE` prints for this error (exit 1).
    const file = sqliteFileOf(['import', 'portfolio.json', '--db', `sqlite:${s.file}`], {
      env: {},
      cwd: s.dir,
    });
    expect(explainStorageError(error, file)).toBe(
      `${s.file} is full: no space is left on its disk; the write in progress was rolled back. ` +
        'Free some space (or move the database and point --db / ARREARS_DB at it), then run the command again.',
    );
    expect(
      sqliteFileOf(['import', 'p.json'], { env: { ARREARS_DB: 'sqlite:x.db' }, cwd: s.dir }),
    ).toBe(join(s.dir, 'x.db'));

    await diskOf(s.db, 1_000_000);
    expect(await importIt(s.deps)).toMatchObject({ alreadyImported: false });
    expect(await count(s.db, 'leases')).toBe(LEASES);
    await s.db.close();
  });

  it('mid-scan: every committed write is whole, the scan is left unfinished, and the next scan writes exactly what an unbroken scan writes', async () => {
    const s = await ready();
    await importIt(s.deps);
    // A twin of the database scanned with room to spare: the items expected, the space used.
    const twinFile = join(s.dir, 'twin.db');
    await sql.raw(`vacuum into '${twinFile}'`).execute(s.db.kysely);
    const twin = await open(twinFile);
    const start = await pages(twin.db);
    await scanPortfolio(twin.deps, { orgId: DEFAULT_ORG_ID, batchSize: 20 });
    const grown = (await pages(twin.db)) - start;
    const expected = await keys(twin.db);
    expect(expected).toHaveLength(2 * LEASES);
    await twin.db.close();

    await diskOf(s.db, (await pages(s.db)) + Math.floor(grown / 2));
    const error = await scanPortfolio(s.deps, { orgId: DEFAULT_ORG_ID, batchSize: 20 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SQLITE_FULL' });
    const written = await keys(s.db);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(expected.length);
    // Each committed item and case came with its audit entry; the chain verifies.
    const chain = await readChain(s.db, DEFAULT_ORG_ID);
    expect(chain.filter((e) => e.type === 'outbox.planned')).toHaveLength(written.length);
    expect(chain.filter((e) => e.type === 'case.opened')).toHaveLength(await count(s.db, 'cases'));
    expect(chain.filter((e) => e.type === 'scan.completed')).toHaveLength(0);
    const scans = await s.db.kysely.selectFrom('scans').select(['finished_at']).execute();
    expect(scans).toEqual([{ finished_at: null }]);
    expect((await verifyAudit(s.db)).ok).toBe(true);

    await diskOf(s.db, 1_000_000);
    const again = await scanPortfolio(s.deps, { orgId: DEFAULT_ORG_ID, batchSize: 20 });
    expect(again.queued).toBe(expected.length - written.length);
    expect(await keys(s.db)).toEqual(expected);
    const after = await readChain(s.db, DEFAULT_ORG_ID);
    expect(after.filter((e) => e.type === 'outbox.planned')).toHaveLength(expected.length);
    expect((await verifyAudit(s.db)).ok).toBe(true);
    await s.db.close();
  });

  async function keys(db: Db): Promise<string[]> {
    const rows = await db.kysely.selectFrom('outbox').select('key').orderBy('key').execute();
    return rows.map((r) => r.key);
  }
});
