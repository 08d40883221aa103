/**
 * `monday`: the case board on monday.com (SPEC 11 "work trackers"; reference §12) — one
 * item per case written back from case events, lien steps of storage units as updates on
 * it, and staff decisions (Dispute, On hold, Flagged) coming back through its webhook.
 */
import type { ConnectorModule } from '../contract.js';
import { createMondayClient } from './client.js';
import type { BoardColumns } from './map.js';
import { manifest } from './manifest.js';
import { createMondaySink } from './sink.js';
import { mondayWebhook } from './webhooks.js';

export const mondayConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const s = ctx.settings;
    const optional = (key: string) => {
      const v = s.get(key)?.trim();
      return v ? v : undefined;
    };
    const columns: BoardColumns = {
      lease: s.require('LEASE_COLUMN_ID'),
      status: s.require('STATUS_COLUMN_ID'),
      case: optional('CASE_COLUMN_ID'),
      tenant: optional('TENANT_COLUMN_ID'),
      property: optional('PROPERTY_COLUMN_ID'),
      unit: optional('UNIT_COLUMN_ID'),
      balance: optional('BALANCE_COLUMN_ID'),
      stage: optional('STAGE_COLUMN_ID'),
      lastAction: optional('LAST_ACTION_COLUMN_ID'),
    };
    const client = createMondayClient({
      baseUrl: s.baseUrl,
      token: s.require('API_TOKEN'),
      apiVersion: s.require('API_VERSION'),
      boardId: s.require('BOARD_ID'),
      now: () => ctx.clock.now(),
    });
    return {
      id: 'monday',
      sink: createMondaySink(client, { columns, groupId: optional('GROUP_ID'), log: ctx.log }),
      webhook: mondayWebhook(ctx, client, {
        signingSecret: s.get('SIGNING_SECRET'),
        webhookToken: s.get('WEBHOOK_TOKEN'),
        statusColumn: columns.status,
        leaseColumn: columns.lease,
      }),
      async verify(signal) {
        const started = Date.now();
        try {
          const board = await client.board(signal);
          const latencyMs = Date.now() - started;
          if (board === null)
            return { ok: false, detail: 'the token cannot see BOARD_ID', latencyMs };
          const known = new Set(board.columns.map((c) => c.id));
          const missing = Object.entries(columns)
            .filter(([, id]) => id !== undefined && !known.has(id))
            .map(([name, id]) => `${name} (${id})`);
          if (missing.length > 0)
            return {
              ok: false,
              detail: `board "${board.name}" has no column ${missing.join(', ')}`,
              latencyMs,
            };
          return {
            ok: true,
            detail: `board "${board.name}" with every configured column`,
            latencyMs,
          };
        } catch (error) {
          return { ok: false, detail: (error as Error).message, latencyMs: Date.now() - started };
        }
      },
    };
  },
};
