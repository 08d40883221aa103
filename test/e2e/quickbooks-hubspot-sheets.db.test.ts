/**
 * End to end, on a temporary SQLite database with every connector pointed at its fake:
 * balances synced from the QuickBooks fake open a case, a payment recorded in the fake
 * closes it at the next sync, and the case status appears in the HubSpot fake (the lease's
 * deal), the Google Sheets fake (the delinquency list row) and QuickBooks itself (the
 * customer's notes).
 *
 * The real stack: openRuntime, syncSource, scanPortfolio with the shipped California
 * policy, and writeBack with the sinks of connectorsFor(rt). Until the three connectors are
 * registered in src/connectors/registry.ts, the ones connectorsFor does not build yet are
 * built here from their modules with the same settings.
 *
 * Times: the Google fake checks a service-account JWT's `exp` against the wall clock, so
 * the test clock starts now and dates are counted back from it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import { syncSource } from '../../src/app/sync-source.js';
import { writeBack } from '../../src/app/write-back.js';
import { syncDepsFor } from '../../src/cli/commands/sync.js';
import type { ConnectorInstance, ConnectorModule } from '../../src/connectors/contract.js';
import { SILENT_LOG } from '../../src/connectors/context.js';
import {
  googleSheetsEnv,
  startGoogleSheetsFake,
  type GoogleSheetsFake,
} from '../../src/connectors/googlesheets/fake-server.js';
import { googlesheetsConnector } from '../../src/connectors/googlesheets/index.js';
import { LIST_HEADER } from '../../src/connectors/googlesheets/map.js';
import {
  FAKE_HUBSPOT_TOKEN,
  startHubSpotFake,
  type HubSpotFake,
} from '../../src/connectors/hubspot/fake-server.js';
import { hubspotConnector } from '../../src/connectors/hubspot/index.js';
import {
  startQuickBooksFake,
  type QuickBooksFake,
} from '../../src/connectors/quickbooks/fake-server.js';
import { quickbooksConnector } from '../../src/connectors/quickbooks/index.js';
import { connectorSettings } from '../../src/connectors/settings.js';
import { addDays } from '../../src/domain/dates.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { epochToLocal } from '../../src/domain/time.js';
import {
  connectorsFor,
  openRuntime,
  storesFor,
  writeBackDepsFor,
  type Runtime,
} from '../../src/main.js';

const DAY = 86_400_000;
const LEASE = 'qbo-lease-58';
const TZ = 'America/Los_Angeles';

let dir: string;
let qbo: QuickBooksFake;
let hubspot: HubSpotFake;
let sheets: GoogleSheetsFake;
let rt: Runtime;
const clock = fixedClock(Date.now());
const today = () => epochToLocal(clock.now(), TZ).date;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arrears-e2e-'));
  qbo = await startQuickBooksFake({ now: () => clock.now() });
  hubspot = await startHubSpotFake();
  sheets = await startGoogleSheetsFake();
  const env = {
    ARREARS_QUICKBOOKS_CLIENT_ID: qbo.clientId,
    ARREARS_QUICKBOOKS_CLIENT_SECRET: qbo.clientSecret,
    ARREARS_QUICKBOOKS_REFRESH_TOKEN: qbo.refreshToken,
    ARREARS_QUICKBOOKS_REALM_ID: qbo.realmId,
    ARREARS_QUICKBOOKS_PROPERTY_ID: 'P1',
    ARREARS_QUICKBOOKS_BASE_URL: qbo.url,
    ARREARS_QUICKBOOKS_TOKEN_URL: qbo.tokenUrl,
    ARREARS_HUBSPOT_ACCESS_TOKEN: FAKE_HUBSPOT_TOKEN,
    ARREARS_HUBSPOT_BASE_URL: hubspot.url,
    ...googleSheetsEnv(sheets),
  };
  rt = await openRuntime({ db: `sqlite:${join(dir, 'arrears.db')}`, env, cwd: dir, clock });
});

afterAll(async () => {
  await rt?.close();
  await Promise.all([qbo?.close(), hubspot?.close(), sheets?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The configured instances of these modules: connectorsFor's, else built like it would. */
function instances(): ConnectorInstance[] {
  const built = connectorsFor(rt).instances;
  const modules: ConnectorModule[] = [quickbooksConnector, hubspotConnector, googlesheetsConnector];
  return modules.map(
    (m) =>
      built.find((i) => i.id === m.manifest.id) ??
      m.create({
        orgId: rt.orgId,
        settings: connectorSettings(m.manifest, rt.env),
        clock: rt.clock,
        publicUrl: undefined,
        recipients: { contactOf: () => Promise.resolve(null) },
        inbound: {
          reply: () => Promise.reject(new Error('not in this test')),
          delivery: () => Promise.reject(new Error('not in this test')),
          mailEvent: () => Promise.resolve(null),
          events: () => Promise.resolve(),
        },
        log: SILENT_LOG,
      }),
  );
}

describe('QuickBooks → case → HubSpot and Google Sheets', () => {
  let connectors: ConnectorInstance[];
  const quickbooks = () => connectors.find((i) => i.id === 'quickbooks')!;
  const sync = () =>
    syncSource(syncDepsFor(rt), {
      orgId: rt.orgId,
      connectorId: 'quickbooks',
      source: quickbooks().source!,
    });
  const scan = () => scanPortfolio({ clock: rt.clock, ...storesFor(rt.db) }, { orgId: rt.orgId });
  const writeBackAll = () =>
    writeBack(
      writeBackDepsFor(rt),
      rt.orgId,
      connectors.flatMap((i) => (i.sink ? [{ id: i.id, sink: i.sink }] : [])),
    );
  const sheetStatus = () => sheets.leaseRow(LEASE)?.[LIST_HEADER.indexOf('status')];

  it('balances synced from QuickBooks open a case; its status reaches HubSpot, Sheets and the customer notes', async () => {
    connectors = instances();
    const stores = storesFor(rt.db);
    // QuickBooks knows no properties: the one its customers rent in is imported first.
    await importJsonPortfolio(
      { clock: rt.clock, portfolio: stores.portfolio, state: stores.state },
      {
        orgId: rt.orgId,
        fileName: 'oak-court.json',
        text: JSON.stringify({
          properties: [
            {
              id: 'P1',
              name: 'Oak Court',
              timezone: TZ,
              jurisdiction: 'US-CA',
              kind: 'residential',
            },
          ],
          tenants: [],
          leases: [],
          ledger: [],
        }),
        format: 'json',
        actor: 'e2e',
      },
    );
    // The shipped California residential policy applies to the property as it is.
    const policy = parsePolicy(
      readFileSync(new URL('../../examples/policies/residential-ca.yaml', import.meta.url), 'utf8'),
      'residential-ca.yaml',
    );
    await stores.policies.save(rt.orgId, policy, 'e2e', new Date(clock.now()).toISOString());

    // Ana Ruiz's rent, due nine days ago, is unpaid in QuickBooks.
    qbo.addCustomer({
      Id: '58',
      DisplayName: 'Ana Ruiz',
      PrimaryEmailAddr: { Address: 'ana@example.com' },
      PrimaryPhone: { FreeFormNumber: '415-555-0101' },
      BillAddr: {
        Line1: '12 Oak Court',
        City: 'San Francisco',
        CountrySubDivisionCode: 'CA',
        PostalCode: '94110',
      },
    });
    const due = addDays(today(), -9);
    const rent = qbo.addInvoice({ customerId: '58', amount: 1500, txnDate: due, dueDate: due });

    const first = await sync();
    expect(first).toMatchObject({ saved: { tenants: 1, leases: 1, ledger: 1 }, mismatches: [] });
    const scanned = await scan();
    expect(scanned.unmatched).toEqual([]);
    expect(scanned.changes).toContainEqual(expect.objectContaining({ leaseId: LEASE }));

    const report = await writeBackAll();
    expect(report.stopped).toEqual({});
    expect(report.written).toMatchObject({ quickbooks: 1, hubspot: 1, googlesheets: 1 });
    expect(hubspot.leaseStatus(LEASE)).toBe('open');
    expect(hubspot.records()[LEASE]!.contact).toMatchObject({ email: 'ana@example.com' });
    expect(sheetStatus()).toBe('open');
    expect(qbo.customers.get('58')!.Notes).toBe('Arrears: open $1,500.00');

    // The next day Ana pays in full; QuickBooks records it against the invoice.
    clock.advance(DAY);
    qbo.addPayment({
      customerId: '58',
      amount: 1500,
      txnDate: today(),
      invoiceIds: [String(rent.Id)],
    });
    const second = await sync();
    // CDC brings the payment and the paid invoice (unchanged as a charge: nothing to write).
    expect(second).toMatchObject({ pages: 1, saved: { ledger: 1 }, mismatches: [] });
    await scan();
    const after = await writeBackAll();
    expect(after.stopped).toEqual({});
    expect(hubspot.leaseStatus(LEASE)).toBe('closed');
    expect(hubspot.records()[LEASE]!.properties).toMatchObject({ arrears_outcome: 'paid' });
    expect(sheetStatus()).toBe('closed');
    expect(qbo.customers.get('58')!.Notes).toBe('Arrears: closed $0.00 paid');

    // Nothing new: another pass writes nothing anywhere.
    expect((await writeBackAll()).written).toEqual({ quickbooks: 0, hubspot: 0, googlesheets: 0 });
  });
});
