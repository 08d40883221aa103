/**
 * `arrears sync` (SPEC 11 "balances in"): pulls a data source's pages since its stored
 * cursor, saves each page into the portfolio, and once the source says nothing more
 * follows, records the source's `lastSyncAt` (R8 `stale_ledger`) and reconciles the
 * balances the source reported against the ledger we hold (SPEC 5 `balance_mismatch`).
 *
 * One page at a time, all-or-nothing: a page is validated against the portfolio schema
 * together with the stored rows it refers to (a payment of an invoice pulled on an earlier
 * page, a lease of a property imported by hand), then written in one transaction; only
 * then does the cursor move. A crash re-pulls at most one page, and saving is an upsert
 * on the provider's namespaced ids, so a repeat writes nothing. A page that fails
 * validation stops the sync with an InputError naming the provider's record; nothing of
 * it is written and the cursor stays where it was.
 *
 * What a page leaves out keeps its stored value: a source that knows nothing of a lease's
 * tags, terms or rent, or a tenant's consent and language, does not erase what staff
 * imported. A new lease without `rentCents` gets 0 (unknown). Ledger entries are the
 * source's own and are replaced whole. Every lease of a page carries the source's id
 * (`sourceId`), so R8's stale-ledger rule knows which leases depend on this sync. A
 * reversal of an entry we never stored (created and voided between two syncs) is dropped:
 * there is nothing to cancel; one without `amountCents` (a provider zeroes a voided
 * record) takes the amount of the entry it cancels.
 *
 * Reconciliation: the reported balances are kept per lease (lease_state, the same record a
 * CSV aging import's totals go to, read by the scan's readiness) and the leases are marked
 * changed, so the next scan re-evaluates them: a lease whose balance disagrees becomes
 * `blocked` with reason `balance_mismatch` until the two agree again. The balances are
 * compared at the end of the pull, when every page is saved (a full pull brings customers
 * before their invoices).
 */
import { InputError, type InputIssue } from '../domain/errors.js';
import { allocate } from '../domain/ledger/allocation.js';
import { portfolioFromValue } from '../domain/portfolio/read.js';
import type { Portfolio } from '../domain/portfolio/schema.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { CursorStore } from './ports/cursors.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';
import type { DataSourcePort, SourcePage } from './ports/sources.js';

export interface SyncDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  state: ScanStateStore;
  cursors: CursorStore;
}

export interface SyncSourceInput {
  orgId: string;
  /** The connector id: the cursor's and the source's id (`quickbooks`). */
  connectorId: string;
  source: DataSourcePort;
  /** Ignore the stored cursor: pull everything again. */
  full?: boolean;
  signal?: AbortSignal;
  /** A guard against a source that never ends (default 10,000 pages). */
  maxPages?: number;
}

export interface BalanceMismatch {
  leaseId: string;
  /** Our ledger balance (R1) on the lease's local today, in cents. */
  ours: number;
  /** What the source reports. */
  theirs: number;
}

export interface SyncSourceResult {
  pages: number;
  /** Rows inserted or changed, per kind. */
  saved: { tenants: number; leases: number; ledger: number };
  /** The cursor stored after the last page. */
  cursor: string | null;
  mismatches: BalanceMismatch[];
}

type Row = Record<string, unknown>;
const SECTIONS = ['properties', 'tenants', 'leases', 'ledger'] as const;
type Section = (typeof SECTIONS)[number];
type PageRows = Record<Section, Row[]>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const idOf = (r: Row) => str(r.id);

export async function syncSource(
  deps: SyncDeps,
  input: SyncSourceInput,
): Promise<SyncSourceResult> {
  const { orgId, connectorId, source } = input;
  const maxPages = input.maxPages ?? 10_000;
  const stored = await deps.cursors.get(orgId, connectorId, 'source');
  let cursor = input.full ? null : stored.cursor;
  const saved = { tenants: 0, leases: 0, ledger: 0 };
  // The latest balance each lease was reported with during this pull.
  const balances = new Map<string, number>();
  let pages = 0;
  const now = () => new Date(deps.clock.now()).toISOString();
  const record = (error: string | null) =>
    deps.cursors.set(orgId, connectorId, 'source', {
      cursor,
      lastRunAt: now(),
      lastError: error,
    });

  try {
    for (;;) {
      input.signal?.throwIfAborted();
      const page = await source.pull(cursor, input.signal);
      pages++;
      const last = !page.more;
      const portfolio = await validatedPage(deps, orgId, connectorId, page, pages);
      const empty = SECTIONS.every((s) => portfolio[s].length === 0);
      if (!empty || last) {
        const at = now();
        const result = await deps.portfolio.savePortfolio(
          orgId,
          // The source never decides the organisation's currency: leave it out.
          {
            ...portfolio,
            ...(last ? { sources: [{ id: connectorId, kind: connectorId, lastSyncAt: at }] } : {}),
          } as Portfolio,
          { source: `sync:${connectorId}`, actor: `connector:${connectorId}`, at },
        );
        for (const kind of ['tenants', 'leases', 'ledger'] as const) {
          const c = result.counts[kind];
          if (c) saved[kind] += c.inserted + c.updated;
        }
      }
      for (const b of page.balances ?? []) balances.set(b.leaseId, b.balanceCents);
      if (page.cursor !== null) {
        if (!last && page.cursor === cursor)
          throw new Error(
            `${connectorId}: the source answered more pages with the same cursor; stopping so the sync does not loop`,
          );
        cursor = page.cursor;
      }
      await record(null);
      if (last) break;
      if (pages >= maxPages)
        throw new Error(`${connectorId}: more than ${maxPages} pages in one sync; stopping`);
    }
  } catch (error) {
    // The sync's own error is the one to report, even when recording it fails too.
    await record(error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
  const mismatches = await reconcile(deps, orgId, balances);
  return { pages, saved, cursor, mismatches };
}

// ---------------------------------------------------------------------------------------
// One page → a validated partial portfolio

/**
 * The page's rows, checked like an imported file together with the stored rows they
 * refer to (which are not written again), with stored fields the page leaves out kept.
 */
async function validatedPage(
  deps: SyncDeps,
  orgId: string,
  connectorId: string,
  page: SourcePage,
  n: number,
): Promise<Pick<Portfolio, Section | 'events' | 'cases' | 'sources'>> {
  const label = `${connectorId} page ${n}`;
  const rows: PageRows = {
    properties: [...(page.properties ?? [])],
    tenants: [...(page.tenants ?? [])],
    leases: (page.leases ?? []).map((l) =>
      l.sourceId === undefined ? { ...l, sourceId: connectorId } : l,
    ),
    ledger: [...(page.ledger ?? [])],
  };
  const touched = [
    ...new Set(
      [
        ...rows.leases.map(idOf),
        ...rows.ledger.map((e) => str(e.leaseId)),
        ...(page.balances ?? []).map((b) => str(b.leaseId)),
      ].filter((id): id is string => id !== undefined),
    ),
  ];
  const context = touched.length > 0 ? await deps.portfolio.loadPortfolio(orgId, touched) : null;
  const storedRows: PageRows = {
    properties: (context?.properties ?? []) as Row[],
    tenants: (context?.tenants ?? []) as Row[],
    leases: (context?.leases ?? []) as Row[],
    ledger: (context?.ledger ?? []) as Row[],
  };

  rows.leases = rows.leases.map((l) => keepStored(l, storedRows.leases));
  rows.tenants = rows.tenants.map((t) => keepStored(t, storedRows.tenants));
  rows.properties = rows.properties.map((p) => keepStored(p, storedRows.properties));
  for (const l of rows.leases) if (l.rentCents === undefined) l.rentCents = 0;

  const entries = new Map<string | undefined, Row>(
    [...storedRows.ledger, ...rows.ledger].map((e) => [idOf(e), e]),
  );
  rows.ledger = rows.ledger
    .filter((e) => !(e.type === 'reversal' && str(e.reverses) && !entries.has(str(e.reverses))))
    .map((e) =>
      e.type === 'reversal' && e.amountCents === undefined
        ? { ...e, amountCents: entries.get(str(e.reverses))?.amountCents }
        : e,
    );

  // Properties the page's leases name that are stored but not loaded with a lease: only
  // their ids matter to the reference check, so a stand-in (never written) takes their place.
  const known = new Set([...rows.properties, ...storedRows.properties].map(idOf));
  const wanted = [...new Set(rows.leases.map((l) => str(l.propertyId)))].filter(
    (id): id is string => id !== undefined && !known.has(id),
  );
  const standIns: Row[] = [];
  if (wanted.length > 0) {
    const storedIds = await deps.portfolio.propertyIds(orgId);
    for (const id of wanted)
      if (storedIds.has(id))
        standIns.push({ id, name: id, timezone: 'UTC', jurisdiction: 'US', kind: 'residential' });
  }

  const merged: Record<Section, Row[]> = {
    properties: [...rows.properties, ...notIn(storedRows.properties, rows.properties), ...standIns],
    tenants: [...rows.tenants, ...notIn(storedRows.tenants, rows.tenants)],
    leases: [...rows.leases, ...notIn(storedRows.leases, rows.leases)],
    ledger: [...rows.ledger, ...notIn(storedRows.ledger, rows.ledger)],
  };
  const issues: InputIssue[] = [];
  let parsed: Portfolio | undefined;
  try {
    parsed = portfolioFromValue(merged, label);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    issues.push(...error.issues.map((i) => namingRecord(i, merged)));
  }
  const leaseIds = new Set(merged.leases.map(idOf));
  (page.balances ?? []).forEach((b, i) => {
    if (!leaseIds.has(b.leaseId))
      issues.push({
        file: label,
        path: `balances[${i}] (${b.leaseId}).leaseId`,
        message: `the source reports a balance for lease \`${b.leaseId}\`, which is neither on this page nor stored`,
      });
    if (!Number.isInteger(b.balanceCents))
      issues.push({
        file: label,
        path: `balances[${i}] (${b.leaseId}).balanceCents`,
        message: 'must be whole cents (an integer)',
      });
  });
  if (issues.length > 0 || parsed === undefined) throw new InputError(issues);
  return {
    properties: parsed.properties.slice(0, rows.properties.length),
    tenants: parsed.tenants.slice(0, rows.tenants.length),
    leases: parsed.leases.slice(0, rows.leases.length),
    ledger: parsed.ledger.slice(0, rows.ledger.length),
    events: [],
    cases: [],
    sources: [],
  };
}

/** The stored row with the page's fields over it (a field the page does not send is kept). */
function keepStored(row: Row, stored: readonly Row[]): Row {
  const id = idOf(row);
  const before = id === undefined ? undefined : stored.find((s) => idOf(s) === id);
  const out: Row = { ...(before ?? {}) };
  for (const [k, v] of Object.entries(row)) if (v !== undefined) out[k] = v;
  return out;
}

function notIn(stored: readonly Row[], page: readonly Row[]): Row[] {
  const ids = new Set(page.map(idOf));
  return stored.filter((r) => !ids.has(idOf(r)));
}

/** `ledger[3].dueDate` → `ledger[3] (qbo-inv-130).dueDate`: the provider's record by its id. */
function namingRecord(issue: InputIssue, merged: Record<Section, Row[]>): InputIssue {
  const m = /^(properties|tenants|leases|ledger)\[(\d+)\]/.exec(issue.path);
  if (!m) return issue;
  const id = idOf(merged[m[1] as Section][Number(m[2])] ?? {});
  return id === undefined
    ? issue
    : { ...issue, path: `${m[0]} (${id})${issue.path.slice(m[0].length)}` };
}

// ---------------------------------------------------------------------------------------
// Reconciliation

const CHUNK = 1000;

async function reconcile(
  deps: SyncDeps,
  orgId: string,
  balances: ReadonlyMap<string, number>,
): Promise<BalanceMismatch[]> {
  if (balances.size === 0) return [];
  const ids = [...balances.keys()].sort();
  await deps.state.setReportedBalances(
    orgId,
    ids.map((leaseId) => ({ leaseId, cents: balances.get(leaseId)! })),
  );
  // A changed reported balance changes the lease's readiness even when its ledger did not.
  await deps.state.markChanged(orgId, ids, new Date(deps.clock.now()).toISOString());
  const mismatches: BalanceMismatch[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const p = await deps.portfolio.loadPortfolio(orgId, ids.slice(i, i + CHUNK));
    const timezone = new Map(p.properties.map((x) => [x.id, x.timezone]));
    const byLease = new Map<string, Portfolio['ledger']>();
    for (const e of p.ledger) {
      const list = byLease.get(e.leaseId);
      if (list) list.push(e);
      else byLease.set(e.leaseId, [e]);
    }
    for (const lease of p.leases) {
      const today = epochToLocal(deps.clock.now(), timezone.get(lease.propertyId) ?? 'UTC').date;
      const ours = allocate(
        (byLease.get(lease.id) ?? []).filter((e) => e.date <= today),
      ).balanceCents;
      const theirs = balances.get(lease.id)!;
      if (ours !== theirs) mismatches.push({ leaseId: lease.id, ours, theirs });
    }
  }
  return mismatches;
}
