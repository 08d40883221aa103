/**
 * Synthetic leases for benchmarks: a year of monthly rent and payments (about 24 ledger
 * entries each, as in the scan targets: 1,000,000 leases, ~24,000,000 entries) with partial payments,
 * a reversal, holds (promises, disputes), tenants' SMS replies and send-window deferrals
 * (quiet Sundays, an evening run time), under an 8-stage policy.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addDays } from '../src/domain/dates.js';
import { policy as policySchema, type Policy } from '../src/domain/policy/schema.js';
import { portfolio as portfolioSchema, type Portfolio } from '../src/domain/portfolio/schema.js';

/** A small deterministic PRNG: benchmarks must be repeatable. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchPolicy(): Policy {
  const sms = (id: string, template: string) => ({
    id,
    type: 'message',
    channel: 'sms',
    template,
    fallback: 'email',
  });
  return policySchema.parse({
    id: 'bench',
    quietDays: ['sunday'],
    reversal: { anchorStage: 'late-fee' },
    stages: [
      { id: 'reminder', day: 2, actions: [sms('sms', 'reminder')] },
      {
        id: 'late-fee',
        day: 5,
        actions: [{ id: 'fee', type: 'fee', amountCents: 5000 }, sms('sms', 'late-notice')],
      },
      {
        id: 'call',
        day: 8,
        actions: [
          { id: 'call', type: 'task', title: 'Collection call', assignee: 'role:collections' },
        ],
      },
      {
        id: 'notice',
        day: 12,
        actions: [
          {
            id: 'doc',
            type: 'document',
            template: 'past-due-notice',
            delivery: ['email', 'first_class'],
          },
        ],
      },
      { id: 'lockout', day: 15, actions: [{ id: 'portal', type: 'access', deny: ['portal'] }] },
      { id: 'final', day: 20, actions: [sms('sms', 'final-notice')] },
      {
        id: 'pay-or-quit',
        day: 25,
        required: true,
        actions: [
          {
            id: 'doc',
            type: 'document',
            template: 'pay-or-quit-notice',
            delivery: ['certified_mail'],
          },
        ],
      },
      {
        id: 'legal',
        day: 35,
        when: { minRentPastDueCents: 10000 },
        actions: [{ id: 'handoff', type: 'escalate', to: 'legal' }],
      },
    ],
  });
}

export type BenchMix = 'typical' | 'stress';

/** Months of rent on each bench lease's ledger: December 2025 to November 2026. */
const HISTORY_MONTHS = 12;
const FIRST_DUE = '2025-12-01';

/** The first of the month `months` after `first` (a first of the month). */
function addMonths(first: string, months: number): string {
  const m = Number(first.slice(0, 4)) * 12 + Number(first.slice(5, 7)) - 1 + months;
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`;
}

/** The two properties every bench portfolio uses (leases alternate between them). */
export const BENCH_PROPERTIES = [
  {
    id: 'P-LA',
    name: 'Oak Court',
    timezone: 'America/Los_Angeles',
    jurisdiction: 'US-CA',
    kind: 'residential',
    runAt: '09:00',
  },
  {
    id: 'P-NY',
    name: 'Elm House',
    timezone: 'America/New_York',
    jurisdiction: 'US-NY',
    kind: 'residential',
    runAt: '21:00',
  },
] as const;

export interface BenchTenant {
  id: string;
  name: string;
  phone: string;
  email: string;
  address: string;
  consent: { sms: boolean; email: boolean; eNotices: boolean };
}
export interface BenchLease {
  id: string;
  propertyId: string;
  unit: string;
  tenantIds: string[];
  rentCents: number;
}
export interface BenchEntry {
  id: string;
  leaseId: string;
  date: string;
  type: 'charge' | 'payment' | 'reversal';
  category?: 'rent';
  amountCents: number;
  dueDate?: string;
  reverses?: string;
}
export interface BenchEvent {
  leaseId: string;
  date: string;
  type: 'promise' | 'dispute' | 'release' | 'reply';
  until?: string;
  hold?: 'dispute';
  channel?: 'sms';
  text?: string;
}

/** What tenants answer a reminder with (a promise, a paid claim, a plan request, an opt-out). */
const BENCH_REPLIES = [
  "I'll pay Friday",
  'I already paid this on the 3rd',
  'Can I pay half now and half next week?',
  'STOP',
] as const;

/** One lease of a bench portfolio: its tenant, the lease, its ledger and its events. */
export interface BenchLeaseRecords {
  tenant: BenchTenant;
  lease: BenchLease;
  ledger: BenchEntry[];
  events: BenchEvent[];
}

/**
 * The leases of a bench portfolio one at a time, so a writer can stream a portfolio of any
 * size (`gen --format csv`) without holding it in memory. `benchPortfolio` is the same
 * sequence collected and validated.
 */
export function* benchLeases(
  leases: number,
  mix: BenchMix = 'typical',
  seed = 42,
): Generator<BenchLeaseRecords> {
  const rnd = prng(seed);
  for (let i = 0; i < leases; i++) {
    const id = `L${i}`;
    const rent = 80000 + Math.floor(rnd() * 200000);
    const tenant: BenchTenant = {
      id: `T${i}`,
      name: `Tenant ${i}`,
      phone: `+1415555${String(i % 10000).padStart(4, '0')}`,
      email: `t${i}@example.com`,
      address: `${i} Main St`,
      consent: { sms: rnd() > 0.2, email: true, eNotices: rnd() > 0.5 },
    };
    const lease: BenchLease = {
      id,
      propertyId: i % 2 ? 'P-NY' : 'P-LA',
      unit: String(i),
      tenantIds: [`T${i}`],
      rentCents: rent,
    };
    const ledger: BenchEntry[] = [];
    const events: BenchEvent[] = [];
    // `typical`: most tenants pay on time, some late, a few partly or not at all (about
    // one lease in five has a case open on a given day). `stress`: every month has a 30%
    // chance of going unpaid, so nearly every lease is deep in arrears and catches up.
    const profile = rnd();
    for (let m = 0; m < HISTORY_MONTHS; m++) {
      const due = addMonths(FIRST_DUE, m);
      ledger.push({
        id: `${id}-C${m}`,
        leaseId: id,
        date: due,
        type: 'charge',
        category: 'rent',
        amountCents: rent,
        dueDate: due,
      });
      const r = rnd();
      let pay: { after: number; cents: number } | undefined;
      if (mix === 'stress') {
        if (r < 0.7)
          pay = { after: Math.floor(rnd() * 20), cents: r < 0.5 ? rent : Math.floor(rent / 2) };
      } else if (profile < 0.8) pay = { after: Math.floor(rnd() * 4), cents: rent };
      else if (profile < 0.92) pay = { after: 5 + Math.floor(rnd() * 16), cents: rent };
      else if (profile < 0.97) pay = { after: Math.floor(rnd() * 10), cents: Math.floor(rent / 2) };
      else if (m < HISTORY_MONTHS - 2) pay = { after: 0, cents: rent };
      if (pay)
        ledger.push({
          id: `${id}-P${m}`,
          leaseId: id,
          date: addDays(due, pay.after),
          type: 'payment',
          amountCents: pay.cents,
        });
    }
    // A reversal must reverse a payment that exists (the lease's September payment).
    const reversed = `${id}-P${HISTORY_MONTHS - 3}`;
    if (rnd() < 0.1 && ledger.some((e) => e.id === reversed))
      ledger.push({
        id: `${id}-R`,
        leaseId: id,
        date: '2026-10-20',
        type: 'reversal',
        amountCents: 1,
        reverses: reversed,
      });
    if (rnd() < 0.15)
      events.push({ leaseId: id, date: '2026-10-09', type: 'promise', until: '2026-10-16' });
    if (rnd() < 0.05)
      events.push(
        { leaseId: id, date: '2026-09-12', type: 'dispute' },
        { leaseId: id, date: '2026-09-25', type: 'release', hold: 'dispute' },
      );
    // About one lease in thirteen answers by SMS; chosen by index, not by the PRNG, so the
    // rest of the portfolio is the same as before replies were added.
    if (i % 13 === 4)
      events.push({
        leaseId: id,
        date: '2026-10-07',
        type: 'reply',
        channel: 'sms',
        text: BENCH_REPLIES[Math.floor(i / 13) % BENCH_REPLIES.length]!,
      });
    yield { tenant, lease, ledger, events };
  }
}

export function benchPortfolio(leases: number, mix: BenchMix = 'typical', seed = 42): Portfolio {
  const tenants: BenchTenant[] = [];
  const leaseRows: BenchLease[] = [];
  const ledger: BenchEntry[] = [];
  const events: BenchEvent[] = [];
  for (const l of benchLeases(leases, mix, seed)) {
    tenants.push(l.tenant);
    leaseRows.push(l.lease);
    ledger.push(...l.ledger);
    events.push(...l.events);
  }
  return portfolioSchema.parse({
    properties: BENCH_PROPERTIES,
    tenants,
    leases: leaseRows,
    ledger,
    events,
  });
}

/** The columns `gen --format csv` writes: the `generic` preset, one ledger entry per row. */
export const BENCH_CSV_COLUMNS = [
  'transaction_id',
  'property_id',
  'lease_id',
  'unit',
  'tenant_id',
  'tenant_name',
  'phone',
  'email',
  'rent',
  'date',
  'type',
  'category',
  'amount',
  'due_date',
  'reverses',
] as const;

const dollars = (cents: number) =>
  `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** The `generic` CSV rows of one lease, each ending in a newline (no header). */
export function benchCsvRows(l: BenchLeaseRecords): string[] {
  const { tenant, lease } = l;
  const head = `${lease.propertyId},${lease.id},${lease.unit},${tenant.id},${tenant.name},${tenant.phone},${tenant.email},${dollars(lease.rentCents)}`;
  return l.ledger.map(
    (e) =>
      `${e.id},${head},${e.date},${e.type},${e.category ?? ''},${dollars(e.amountCents)},${e.dueDate ?? ''},${e.reverses ?? ''}\n`,
  );
}

export interface CsvWritten {
  rows: number;
  leases: number;
  bytes: number;
}

/**
 * Streams a bench portfolio as a `generic` CSV to `out`; stops after `maxRows` of its rows.
 * `nextMonth`: the export a month later — the same rows, and each lease's rent charge for the
 * month after its history after its own rows (what a newer file brings to reconcile).
 */
export async function writeBenchCsv(
  out: string,
  options: { leases: number; mix?: BenchMix; seed?: number; maxRows?: number; nextMonth?: boolean },
): Promise<CsvWritten> {
  const stream = createWriteStream(out);
  const maxRows = options.maxRows ?? Infinity;
  let rows = 0;
  /** Rows of the bench portfolio itself (what `maxRows` counts). */
  let own = 0;
  let leases = 0;
  let bytes = 0;
  let buffer = `${BENCH_CSV_COLUMNS.join(',')}\n`;
  const flush = async () => {
    bytes += Buffer.byteLength(buffer);
    const ok = stream.write(buffer);
    buffer = '';
    if (!ok) await once(stream, 'drain');
  };
  for (const lease of benchLeases(options.leases, options.mix, options.seed)) {
    if (own >= maxRows) break;
    leases++;
    for (const row of benchCsvRows(lease)) {
      if (own >= maxRows) break;
      buffer += row;
      rows++;
      own++;
    }
    if (options.nextMonth) {
      // The month after the history: its charge's id follows the history's (C0 … C11).
      const due = addMonths(FIRST_DUE, HISTORY_MONTHS);
      const rent = lease.lease.rentCents;
      const next = {
        ...lease,
        ledger: [
          {
            id: `${lease.lease.id}-C${HISTORY_MONTHS}`,
            leaseId: lease.lease.id,
            date: due,
            type: 'charge' as const,
            category: 'rent' as const,
            amountCents: rent,
            dueDate: due,
          },
        ],
        events: [],
      };
      buffer += benchCsvRows(next)[0]!;
      rows++;
    }
    if (buffer.length > 1 << 16) await flush();
  }
  await flush();
  stream.end();
  await once(stream, 'finish');
  return { rows, leases, bytes };
}

/**
 * Compiles src/ (as `npm run build` does) into its own directory under
 * node_modules/.cache/arrears-bench/, for benchmarks that start processes: what they measure
 * is the code as it was when the benchmark began, even if dist/ is rebuilt meanwhile. Returns
 * the directory; `<dir>/arrears.js` is the CLI (as bin/arrears.js is for dist/). Dependencies
 * resolve from the project's node_modules.
 */
export function compiledSnapshot(name: string): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = fileURLToPath(
    new URL(`../node_modules/.cache/arrears-bench/${name}/`, import.meta.url),
  );
  rmSync(out, { recursive: true, force: true });
  try {
    execFileSync(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json', '--outDir', out],
      { cwd: root, stdio: 'inherit' },
    );
  } catch (error) {
    // Type errors still emit JavaScript (as `npm run build` would leave dist/); say so.
    if (!existsSync(`${out}cli/index.js`)) throw error;
    console.error(`warning: ${name}: the compiler reported errors (above); measuring anyway`);
  }
  writeFileSync(
    `${out}arrears.js`,
    "import { main } from './cli/index.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  return out;
}
