/**
 * Staff alerts in a chat channel (SPEC 10 "a visible alert when no scan has completed today
 * or items sit in failed / unknown"; SPEC 11 Slack "alerts and approve buttons"): after a
 * worker pass, each kind of alert goes out when what it reports changed since it last went
 * out — new drafts waiting for approval (with approve / reject buttons), failed or unknown
 * items, no scan finished today — and at most once an hour per kind, so a busy queue does
 * not flood the channel.
 */
import { createHash } from 'node:crypto';
import type { Clock } from './ports/clock.js';
import type { OutboxStore } from './ports/outbox.js';

export type AlertKind = 'queue_waiting' | 'failed_items' | 'unknown_items' | 'no_scan_today';

export interface AlertMessage {
  kind: AlertKind;
  title: string;
  text: string;
  items?: { key: string; leaseId: string; stage: string; action: string; summary: string }[];
  url?: string;
}

export interface AlertSink {
  id: string;
  notify(alert: AlertMessage): Promise<{ ok: boolean; detail: string }>;
}

export interface AlertMemory {
  /** What was last sent for a kind: its fingerprint and when. */
  get(orgId: string, kind: AlertKind): Promise<{ fingerprint: string; at: string } | null>;
  set(orgId: string, kind: AlertKind, value: { fingerprint: string; at: string }): Promise<void>;
}

export interface AlertDeps<Tx> {
  outbox: Pick<OutboxStore<Tx>, 'queue'>;
  outboxCounts(): Promise<Record<string, number>>;
  lastScanFinishedAt(): Promise<string | null>;
  memory: AlertMemory;
  clock: Clock;
  /** The dashboard's base URL (ARREARS_PUBLIC_URL), for links. */
  dashboardUrl?: string;
}

const HOUR = 3_600_000;
const MAX_ITEMS = 10;

const fingerprint = (parts: readonly string[]) =>
  createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);

/** The alerts that apply now (pure given the reads). */
async function currentAlerts<Tx>(deps: AlertDeps<Tx>, orgId: string) {
  const now = deps.clock.now();
  const today = new Date(now).toISOString().slice(0, 10);
  const link = (path: string) => (deps.dashboardUrl ? `${deps.dashboardUrl}${path}` : undefined);
  const out: { alert: AlertMessage; fingerprint: string }[] = [];

  const queue = await deps.outbox.queue(orgId);
  if (queue.length > 0) {
    const items = queue.slice(0, MAX_ITEMS).map((e) => ({
      key: e.item.key,
      leaseId: e.item.leaseId,
      stage: e.item.stage,
      action: e.item.action,
      summary: `${e.item.type} ${e.item.channel ?? e.item.method ?? ''}`.trim(),
    }));
    out.push({
      fingerprint: fingerprint(queue.map((e) => `${e.item.key}@${e.item.version}`).sort()),
      alert: {
        kind: 'queue_waiting',
        title: `${queue.length} draft${queue.length === 1 ? '' : 's'} waiting for approval`,
        text:
          queue.length > MAX_ITEMS
            ? `The first ${MAX_ITEMS} are below; the rest are in the dashboard's queue.`
            : 'Approve or reject them here or in the dashboard.',
        items,
        ...(link('/queue') ? { url: link('/queue')! } : {}),
      },
    });
  }
  const counts = await deps.outboxCounts();
  for (const [status, kind] of [
    ['failed', 'failed_items'],
    ['unknown', 'unknown_items'],
  ] as const) {
    const n = counts[status] ?? 0;
    if (n > 0)
      out.push({
        fingerprint: fingerprint([String(n)]),
        alert: {
          kind,
          title: `${n} outbox item${n === 1 ? '' : 's'} ${status}`,
          text:
            status === 'unknown'
              ? 'A provider’s answer was lost: check each with the provider, then settle it with `arrears resolve`.'
              : 'Sending failed for good: see the reason on each item and decide what to do.',
          ...(link(`/outbox?status=${status}`) ? { url: link(`/outbox?status=${status}`)! } : {}),
        },
      });
  }
  const last = await deps.lastScanFinishedAt();
  // Before noon UTC a scan may simply not have run yet today.
  if ((last === null || last.slice(0, 10) < today) && new Date(now).getUTCHours() >= 12)
    out.push({
      fingerprint: fingerprint([today]),
      alert: {
        kind: 'no_scan_today',
        title: 'No scan has finished today',
        text: `The last scan finished ${last ?? 'never'}. Check the scheduler running \`arrears scan\`.`,
      },
    });
  return out;
}

export async function sendAlerts<Tx>(
  deps: AlertDeps<Tx>,
  orgId: string,
  sinks: readonly AlertSink[],
): Promise<{ sent: AlertKind[]; failed: { kind: AlertKind; sink: string; detail: string }[] }> {
  const result = {
    sent: [] as AlertKind[],
    failed: [] as { kind: AlertKind; sink: string; detail: string }[],
  };
  if (sinks.length === 0) return result;
  const now = deps.clock.now();
  for (const { alert, fingerprint: fp } of await currentAlerts(deps, orgId)) {
    const last = await deps.memory.get(orgId, alert.kind);
    if (last && (last.fingerprint === fp || now - Date.parse(last.at) < HOUR)) continue;
    let delivered = false;
    for (const sink of sinks) {
      const r = await sink.notify(alert);
      if (r.ok) delivered = true;
      else result.failed.push({ kind: alert.kind, sink: sink.id, detail: r.detail });
    }
    if (delivered) {
      await deps.memory.set(orgId, alert.kind, {
        fingerprint: fp,
        at: new Date(now).toISOString(),
      });
      result.sent.push(alert.kind);
    }
  }
  return result;
}
