/** The simulate timeline as a table a collections clerk can read. */
import type { SimulationResult } from '../domain/evaluator/simulate.js';
import { formatCents } from '../domain/money.js';
import type { Portfolio } from '../domain/portfolio/schema.js';
import { epochToLocal } from '../domain/time.js';

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function renderTimelineTable(result: SimulationResult, portfolio: Portfolio): string {
  const leases = new Map(portfolio.leases.map((l) => [l.id, l]));
  const zones = new Map(portfolio.properties.map((p) => [p.id, p.timezone]));
  const currency = portfolio.currency;
  const rows = result.actions.map((a) => {
    const lease = leases.get(a.leaseId);
    const zone = (lease && zones.get(lease.propertyId)) ?? 'UTC';
    const local = epochToLocal(Date.parse(a.at), zone);
    const detail =
      a.type === 'fee' && a.amountCents !== null
        ? formatCents(a.amountCents, currency)
        : a.deliveries
          ? `${a.deliveries.filter((d) => d.status === 'due').length}/${a.deliveries.length} deliveries`
          : (a.title ??
            a.set ??
            a.to ??
            (a.deny
              ? `deny ${a.deny.join(',')}`
              : a.restore
                ? `restore ${a.restore.join(',')}`
                : ''));
    return [
      a.date,
      hhmm(local.minutes),
      a.leaseId,
      lease?.unit ?? '',
      String(a.episode),
      a.stage,
      a.action,
      a.type,
      a.channel ?? '',
      a.status + (a.requiresApproval && a.status === 'due' ? ' (approval)' : ''),
      a.reason ?? (a.deferredFrom ? 'deferred' : ''),
      detail,
    ];
  });
  const out: string[] = [];
  out.push(`Arrears simulation ${result.from} → ${result.to}`);
  out.push('');
  out.push(`Actions (${result.actions.length})`);
  out.push(
    rows.length
      ? renderTable(
          [
            'date',
            'time',
            'lease',
            'unit',
            'ep',
            'stage',
            'action',
            'type',
            'channel',
            'status',
            'reason',
            'detail',
          ],
          rows,
        )
      : '(none)',
  );
  out.push('');
  out.push(`Cases (${result.episodes.length})`);
  out.push(
    result.episodes.length
      ? renderTable(
          ['lease', 'ep', 'opened', 'anchor', 'closed', 'outcome'],
          result.episodes.map((e) => [
            e.leaseId,
            String(e.episode),
            e.opened,
            e.anchor,
            e.closed ?? 'open',
            e.outcome ?? '',
          ]),
        )
      : '(none)',
  );
  out.push('');
  out.push(`Events (${result.events.length})`);
  out.push(
    result.events.length
      ? renderTable(
          ['date', 'lease', 'event', 'detail'],
          result.events.map((e) => [
            e.date,
            e.leaseId,
            e.type,
            [
              e.hold,
              e.intent,
              e.channel,
              e.outcome,
              e.promisedDate,
              e.amountCents !== undefined ? formatCents(e.amountCents, currency) : undefined,
            ]
              .filter((x) => x !== undefined)
              .join(' '),
          ]),
        )
      : '(none)',
  );
  return `${out.join('\n')}\n`;
}
