/**
 * `googlesheets`: write-back of case events into a spreadsheet (SPEC 11 "work trackers /
 * sheets"; reference §11): a live delinquency list and an append-only action log, written
 * as a service account. Sheets has no webhooks, so nothing comes back in.
 */
import type { ConnectorModule } from '../contract.js';
import { createSheetsClient, SheetsFailure } from './client.js';
import { a1, LIST_HEADER, rowsRange } from './map.js';
import { manifest } from './manifest.js';
import { credentialsOf } from './service-account.js';
import { createSheetsSink } from './sink.js';

export const googlesheetsConnector: ConnectorModule = {
  manifest,
  create(ctx) {
    const s = ctx.settings;
    const credentials = credentialsOf({
      serviceAccountJson: s.get('SERVICE_ACCOUNT_JSON'),
      clientEmail: s.get('CLIENT_EMAIL'),
      privateKey: s.get('PRIVATE_KEY'),
    });
    // Missing or broken credentials do not stop the process: the sink holds its cursor and
    // `connectors test` says which setting to fix.
    if (!credentials.ok) ctx.log.warn({ connector: 'googlesheets' }, credentials.problem);
    const listSheet = s.require('LIST_SHEET');
    const client = createSheetsClient({
      baseUrl: s.baseUrl,
      spreadsheetId: s.require('SPREADSHEET_ID'),
      tokenUrl: s.require('TOKEN_URL'),
      credentials,
      subject: s.get('SUBJECT'),
      now: () => ctx.clock.now(),
    });
    return {
      id: 'googlesheets',
      sink: createSheetsSink(client, {
        listSheet,
        logSheet: s.require('LOG_SHEET'),
        log: ctx.log,
      }),
      async verify(signal) {
        const started = Date.now();
        const header = a1(listSheet, rowsRange(1, 1, LIST_HEADER.length));
        try {
          const rows = await client.get(header, signal);
          return {
            ok: true,
            detail: `token obtained; read the header of ${listSheet} (${rows.length ? 'present' : 'empty'})`,
            latencyMs: Date.now() - started,
          };
        } catch (error) {
          const latencyMs = Date.now() - started;
          if (error instanceof SheetsFailure && /unable to parse range/i.test(error.message))
            return {
              ok: true,
              detail: `token obtained; the ${listSheet} tab is missing and is added on the first write`,
              latencyMs,
            };
          return { ok: false, detail: (error as Error).message, latencyMs };
        }
      },
    };
  },
};
