/**
 * `/readyz` (SPEC 10): ready when the database answers, its migrations are current and a
 * scan finished within the last 26 hours; otherwise not ready, naming each failing check.
 * Alerts that do not make the server unready are warnings: no scan has completed today
 * (in `timeZone`), outbox items sitting in `failed` or `unknown`, webhook events that
 * failed for good in the inbox.
 */
import type { HealthPort } from '../app/ports/health.js';

export const DEFAULT_MAX_SCAN_AGE_MS = 26 * 3600_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;
/** Outbox statuses that need a human; each is a warning while any item sits in it. */
export const ALERT_STATUSES = ['failed', 'unknown'] as const;

export interface ReadinessOptions {
  maxScanAgeMs?: number;
  /** IANA zone whose calendar day "today" is (default: the server's). */
  timeZone?: string;
  /** Each check gives up after this long (a stuck pool must not hang the probe). */
  checkTimeoutMs?: number;
  /** The webhook inbox's counts: its `failed` events are a warning. */
  webhookInbox?: () => Promise<{ failed: number }>;
  /** Told each error a check met; the report itself only says which check failed. */
  onError?: (check: string, error: unknown) => void;
}

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

export type CheckName = 'database' | 'migrations' | 'scan';

export interface ReadinessWarning {
  code:
    | 'no_scan_today'
    | 'outbox_failed'
    | 'outbox_unknown'
    | 'outbox_unreadable'
    | 'webhook_inbox_failed';
  message: string;
  count?: number;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checkedAt: string;
  checks: {
    database: ReadinessCheck;
    migrations: ReadinessCheck & { pending: string[] };
    scan: ReadinessCheck & {
      lastFinishedAt: string | null;
      ageSeconds: number | null;
      maxAgeSeconds: number;
    };
  };
  /** The checks that failed, by name. */
  failing: CheckName[];
  warnings: ReadinessWarning[];
}

export async function checkReadiness(
  health: HealthPort,
  now: number,
  options: ReadinessOptions = {},
): Promise<ReadinessReport> {
  const maxAgeMs = options.maxScanAgeMs ?? DEFAULT_MAX_SCAN_AGE_MS;
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const run = <T>(what: string, fn: () => Promise<T>) =>
    attempt(what, fn, options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, options.onError);
  const maxAgeSeconds = Math.round(maxAgeMs / 1000);
  const warnings: ReadinessWarning[] = [];

  const ping = await run('the database', () => health.ping());
  const database: ReadinessCheck = ping.ok
    ? { ok: true, detail: 'the database answers' }
    : { ok: false, detail: `the database is unreachable: ${ping.error}` };

  let migrations: ReadinessReport['checks']['migrations'];
  let scan: ReadinessReport['checks']['scan'];
  if (!ping.ok) {
    const skipped = 'not checked: the database is unreachable';
    migrations = { ok: false, detail: skipped, pending: [] };
    scan = { ok: false, detail: skipped, lastFinishedAt: null, ageSeconds: null, maxAgeSeconds };
  } else {
    const inbox = options.webhookInbox;
    const [pending, last, counts, inboxCounts] = await Promise.all([
      run('the migrations', () => health.pendingMigrations()),
      run('the last scan', () => health.lastScanFinishedAt()),
      run('the outbox', () => health.outboxCounts()),
      inbox ? run('the webhook inbox', inbox) : undefined,
    ]);
    migrations = !pending.ok
      ? { ok: false, detail: `cannot read the migrations: ${pending.error}`, pending: [] }
      : pending.value.length === 0
        ? { ok: true, detail: 'every migration is applied', pending: [] }
        : {
            ok: false,
            detail: `${pending.value.length} migration(s) not applied: ${pending.value.join(', ')}; run \`arrears migrate\``,
            pending: pending.value,
          };
    scan = !last.ok
      ? {
          ok: false,
          detail: `cannot read the scans: ${last.error}`,
          lastFinishedAt: null,
          ageSeconds: null,
          maxAgeSeconds,
        }
      : scanCheck(last.value, now, maxAgeMs);
    if (
      last.ok &&
      (last.value === null || localDate(last.value, timeZone) < localDate(now, timeZone))
    )
      warnings.push({
        code: 'no_scan_today',
        message: `no scan has completed today (${localDate(now, timeZone)}, ${timeZone})`,
      });
    if (!counts.ok)
      warnings.push({
        code: 'outbox_unreadable',
        message: `cannot read the outbox: ${counts.error}`,
      });
    else
      for (const status of ALERT_STATUSES) {
        const count = counts.value[status] ?? 0;
        if (count > 0)
          warnings.push({
            code: `outbox_${status}`,
            count,
            message: `${count} outbox item${count === 1 ? '' : 's'} ${count === 1 ? 'is' : 'are'} \`${status}\` and need${count === 1 ? 's' : ''} a human (\`arrears outbox --status ${status}\`)`,
          });
      }
    const failedEvents = inboxCounts?.ok ? inboxCounts.value.failed : 0;
    if (failedEvents > 0)
      warnings.push({
        code: 'webhook_inbox_failed',
        count: failedEvents,
        message: `${failedEvents} webhook event${failedEvents === 1 ? '' : 's'} failed every attempt and need${failedEvents === 1 ? 's' : ''} a human (\`webhook_events\` in state \`failed\`, with \`last_error\`)`,
      });
  }

  const checks = { database, migrations, scan };
  const failing = (Object.keys(checks) as CheckName[]).filter((name) => !checks[name].ok);
  return {
    status: failing.length === 0 ? 'ready' : 'not_ready',
    checkedAt: new Date(now).toISOString(),
    checks,
    failing,
    warnings,
  };
}

function scanCheck(
  lastFinishedAt: string | null,
  now: number,
  maxAgeMs: number,
): ReadinessReport['checks']['scan'] {
  const maxAgeSeconds = Math.round(maxAgeMs / 1000);
  const maxHours = maxAgeMs / 3600_000;
  if (lastFinishedAt === null)
    return {
      ok: false,
      detail: 'no scan has finished yet; run `arrears scan` (and schedule it)',
      lastFinishedAt,
      ageSeconds: null,
      maxAgeSeconds,
    };
  const ageMs = Math.max(0, now - Date.parse(lastFinishedAt));
  const ageSeconds = Math.round(ageMs / 1000);
  const hours = Math.floor(ageMs / 3600_000);
  return ageMs <= maxAgeMs
    ? {
        ok: true,
        detail: `the last scan finished ${hours} h ago`,
        lastFinishedAt,
        ageSeconds,
        maxAgeSeconds,
      }
    : {
        ok: false,
        detail: `the last scan finished ${hours} h ago, more than ${maxHours} h; is \`arrears scan\` scheduled?`,
        lastFinishedAt,
        ageSeconds,
        maxAgeSeconds,
      };
}

/** `YYYY-MM-DD` of an instant in `timeZone`. */
export function localDate(instant: number | string, timeZone: string): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

/** Runs one check; an error goes to `onError`, the report only says that there was one. */
async function attempt<T>(
  what: string,
  fn: () => Promise<T>,
  timeoutMs: number,
  onError?: (check: string, error: unknown) => void,
): Promise<Attempt<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Attempt<T>>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const call = async (): Promise<Attempt<T>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      onError?.(what, error);
      return { ok: false, error: 'an error (see the server log)' };
    }
  };
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
