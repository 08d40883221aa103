/**
 * `arrears report schedule add|list|remove` and `arrears report deliver` through the CLI
 * on SQLite: the report fixture portfolio (owners O1 and O2, America/Los_Angeles), the
 * sandbox mailer (no ARREARS_SMTP_URL: nothing is sent), and every bad input exiting 2 with
 * the flag and the fix.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/app/dispatch-outbox.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { withScheduledReports } from '../../src/cli/commands/schedule.js';
import { openRuntime } from '../../src/main.js';
import { openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { workDir } from '../support/cli.js';
import { saveFixture } from '../support/report-fixture-db.js';

describe('arrears report schedule', () => {
  const w = workDir('arrears-schedule-');
  const run = (...argv: string[]) => w.run(...argv, '--db', 'sqlite:./arrears.db');

  beforeAll(async () => {
    const db = await openDatabase(`sqlite:${w.dir}/arrears.db`);
    await migrateToLatest(db);
    await saveFixture(db, 'default');
    await db.close();
  });

  let id = '';
  it('adds a schedule: the zone defaults to the owner’s first property’s', async () => {
    const r = await run(
      'report',
      'schedule',
      'add',
      'owner',
      '--owner',
      'O1',
      '--to',
      'a@x.com,b@y.com',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as Record<string, unknown>;
    expect(s).toMatchObject({
      report: 'owner',
      ownerId: 'O1',
      recipients: ['a@x.com', 'b@y.com'],
      cron: '0 8 * * 1',
      timezone: 'America/Los_Angeles',
      lastRunAt: null,
    });
    id = s.id as string;
    const aging = await run(
      'report',
      'schedule',
      'add',
      'aging',
      '--to',
      'ops@x.com',
      '--cron',
      '30 7 * * *',
      '--tz',
      'America/Chicago',
    );
    expect(aging.code).toBe(0);
    expect(aging.out).toContain('"30 7 * * *" America/Chicago');
  });

  it('lists the schedules, as a table and as JSON', async () => {
    const table = await run('report', 'schedule', 'list');
    expect(table.code).toBe(0);
    expect(table.out).toContain(id);
    expect(table.out).toContain('a@x.com, b@y.com');
    const json = JSON.parse((await run('report', 'schedule', 'list', '--json')).out) as {
      schedules: { id: string; report: string }[];
    };
    expect(json.schedules.map((s) => s.report).sort()).toEqual(['aging', 'owner']);
  });

  it('delivers the due schedules once (the sandbox mailer sends nothing)', async () => {
    const first = await run('report', 'deliver', '--at', '2026-12-14T16:00:00Z', '--json');
    expect(first.code).toBe(0);
    const { deliveries } = JSON.parse(first.out) as {
      deliveries: { scheduleId: string; status: string; asOf: string }[];
    };
    expect(deliveries).toContainEqual(
      expect.objectContaining({ scheduleId: id, status: 'delivered', asOf: '2026-12-14' }),
    );
    const again = await run('report', 'deliver', '--at', '2026-12-14T16:30:00Z');
    expect(again.code).toBe(0);
    expect(again.out).toContain('no scheduled report is due');
  });

  it('`arrears worker` delivers due schedules before each dispatch pass', async () => {
    const rt = await openRuntime({
      db: 'sqlite:./arrears.db',
      env: {},
      cwd: w.dir,
      clock: fixedClock(Date.parse('2026-12-21T16:00:00Z')),
    });
    let err = '';
    let passes = 0;
    const ctx = {
      stdout: () => {},
      stderr: (t: string) => void (err += t),
      env: {},
      cwd: w.dir,
      exitCode: 0,
    };
    const dispatcher = withScheduledReports(rt, ctx, {
      workerId: 'w1',
      release: () => Promise.resolve([]),
      runOnce: () => {
        passes++;
        return Promise.resolve(emptyCounts());
      },
    });
    try {
      await dispatcher.runOnce();
      await dispatcher.runOnce();
    } finally {
      await rt.close();
    }
    expect(passes).toBe(2);
    expect(err.match(/delivered owner \(owner O1\) as of 2026-12-21/g)).toHaveLength(1);
  });

  it('rejects bad input with exit 2, naming the flag and the fix', async () => {
    const cases: [string[], string[]][] = [
      [
        ['--cron', '61 8 * * 1'],
        ['--cron', 'e.g. "0 8 * * 1"'],
      ],
      [
        ['--tz', 'Mars/Olympus'],
        ['--tz', 'IANA name such as America/New_York'],
      ],
      [
        ['--owner', 'NOPE'],
        ['--owner', 'use one of O1, O2'],
      ],
      [
        ['--to', 'not-an-address'],
        ['--to', 'name@example.com'],
      ],
    ];
    for (const [flags, expected] of cases) {
      const argv = ['report', 'schedule', 'add', 'owner', '--to', 'a@x.com', ...flags];
      const r = await run(...argv);
      expect(r.code, flags.join(' ')).toBe(2);
      for (const text of expected) expect(r.err).toContain(text);
      expect(r.err).toContain('nothing was written');
    }
    const notScheduled = await run('report', 'schedule', 'add', 'delinquency', '--to', 'a@x.com');
    expect(notScheduled.code).toBe(2);
    expect(notScheduled.err).toContain('use one of owner, aging, weekly');
    const ownerOnAging = await run(
      'report',
      'schedule',
      'add',
      'aging',
      '--owner',
      'O1',
      '--to',
      'a@x.com',
    );
    expect(ownerOnAging.code).toBe(2);
    expect(ownerOnAging.err).toContain('--owner: only the owner report takes --owner');
    const noTo = await run('report', 'schedule', 'add', 'owner');
    expect(noTo.code).toBe(2);
    expect(noTo.err).toContain("'--to <emails>'");
    const badAt = await run('report', 'deliver', '--at', 'monday');
    expect(badAt.code).toBe(2);
    expect(badAt.err).toContain('--at');
    // Nothing was added by the failures.
    const { schedules } = JSON.parse((await run('report', 'schedule', 'list', '--json')).out) as {
      schedules: unknown[];
    };
    expect(schedules).toHaveLength(2);
  });

  it('removes a schedule; an unknown id exits 2', async () => {
    const r = await run('report', 'schedule', 'remove', id);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`removed ${id}`);
    const again = await run('report', 'schedule', 'remove', id);
    expect(again.code).toBe(2);
    expect(again.err).toContain('arrears report schedule list');
    const { schedules } = JSON.parse((await run('report', 'schedule', 'list', '--json')).out) as {
      schedules: { id: string }[];
    };
    expect(schedules.map((s) => s.id)).not.toContain(id);
  });

  it('leaves `arrears report NAME` working as before', async () => {
    const r = await run('report', 'aging', '--at', '2026-12-15', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { totalCents: number }).totalCents).toBe(981000);
  });
});
