/**
 * The demo organisation (`arrears demo`, SPEC 9): about 200 leases over residential,
 * commercial and self-storage properties in five states and three time zones, with four
 * months of rent and payments ending on `today`, so the dashboard opens on a realistic day:
 * most tenants paid, some a few days late, some a month or more behind (storage units deep
 * into the lien process), partial payments, and tenants who replied with a promise, a
 * dispute or a payment plan.
 *
 * Pure and deterministic: the same `today` gives the same portfolio (a seeded generator,
 * not Math.random), so a demo can be reproduced and a test can assert on it.
 */

export interface DemoPortfolio {
  currency: 'USD';
  properties: Record<string, unknown>[];
  tenants: Record<string, unknown>[];
  leases: Record<string, unknown>[];
  ledger: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/** The policy files (under examples/policies) the demo properties need. */
export const DEMO_POLICY_FILES = [
  'states/residential-us-ca.yaml',
  'states/residential-us-tx.yaml',
  'states/residential-us-ny.yaml',
  'states/residential-us-fl.yaml',
  'commercial.yaml',
  'states/storage-us-ca.yaml',
  'states/storage-us-tx.yaml',
  'states/storage-us-az.yaml',
] as const;

interface PropertySpec {
  id: string;
  name: string;
  timezone: string;
  jurisdiction: string;
  kind: 'residential' | 'commercial' | 'storage';
  ownerId: string;
  area: string;
  city: string;
  region: string;
  postalCode: string;
  street: string;
  leases: number;
  rent: [number, number];
  spaceType: string;
}

const PROPERTIES: PropertySpec[] = [
  {
    id: 'OAK',
    name: 'Oak Court Apartments',
    timezone: 'America/Los_Angeles',
    jurisdiction: 'US-CA',
    kind: 'residential',
    ownerId: 'OWN-OAK',
    area: '415',
    city: 'San Francisco',
    region: 'CA',
    postalCode: '94110',
    street: '2150 Mission St',
    leases: 30,
    rent: [1800, 3400],
    spaceType: 'apartment',
  },
  {
    id: 'LSF',
    name: 'Lone Star Flats',
    timezone: 'America/Chicago',
    jurisdiction: 'US-TX',
    kind: 'residential',
    ownerId: 'OWN-LSF',
    area: '512',
    city: 'Austin',
    region: 'TX',
    postalCode: '78704',
    street: '1800 S Congress Ave',
    leases: 30,
    rent: [1100, 2200],
    spaceType: 'apartment',
  },
  {
    id: 'HUD',
    name: 'Hudson Row',
    timezone: 'America/New_York',
    jurisdiction: 'US-NY',
    kind: 'residential',
    ownerId: 'OWN-HUD',
    area: '718',
    city: 'Brooklyn',
    region: 'NY',
    postalCode: '11215',
    street: '310 7th Ave',
    leases: 25,
    rent: [2200, 3900],
    spaceType: 'apartment',
  },
  {
    id: 'MAG',
    name: 'Magnolia Gardens',
    timezone: 'America/New_York',
    jurisdiction: 'US-FL',
    kind: 'residential',
    ownerId: 'OWN-MAG',
    area: '305',
    city: 'Miami',
    region: 'FL',
    postalCode: '33135',
    street: '900 SW 8th St',
    leases: 25,
    rent: [1400, 2600],
    spaceType: 'apartment',
  },
  {
    id: 'MKT',
    name: 'Market Square Retail',
    timezone: 'America/Los_Angeles',
    jurisdiction: 'US-CA',
    kind: 'commercial',
    ownerId: 'OWN-MKT',
    area: '626',
    city: 'Pasadena',
    region: 'CA',
    postalCode: '91101',
    street: '55 S Lake Ave',
    leases: 12,
    rent: [3500, 9500],
    spaceType: 'retail',
  },
  {
    id: 'ARR',
    name: 'Arroyo Self Storage',
    timezone: 'America/Los_Angeles',
    jurisdiction: 'US-CA',
    kind: 'storage',
    ownerId: 'OWN-ARROYO',
    area: '626',
    city: 'Pasadena',
    region: 'CA',
    postalCode: '91106',
    street: '1450 E Walnut St',
    leases: 30,
    rent: [85, 320],
    spaceType: 'storage_unit',
  },
  {
    id: 'BAY',
    name: 'Bayou Storage',
    timezone: 'America/Chicago',
    jurisdiction: 'US-TX',
    kind: 'storage',
    ownerId: 'OWN-BAYOU',
    area: '713',
    city: 'Houston',
    region: 'TX',
    postalCode: '77007',
    street: '4100 Washington Ave',
    leases: 25,
    rent: [70, 260],
    spaceType: 'storage_unit',
  },
  {
    id: 'DSV',
    name: 'Desert Vault Storage',
    timezone: 'America/Phoenix',
    jurisdiction: 'US-AZ',
    kind: 'storage',
    ownerId: 'OWN-DSV',
    area: '602',
    city: 'Phoenix',
    region: 'AZ',
    postalCode: '85004',
    street: '777 N 7th St',
    leases: 23,
    rent: [60, 240],
    spaceType: 'storage_unit',
  },
];

const FIRST = [
  'Ana',
  'Marcus',
  'Dana',
  'Luis',
  'Priya',
  'Chen',
  'Grace',
  'Omar',
  'Sofia',
  'Tyrone',
  'Mei',
  'Jorge',
  'Hannah',
  'Kwame',
  'Elena',
  'Noah',
  'Fatima',
  'Diego',
  'Ruth',
  'Samir',
  'Lucia',
  'Ben',
  'Aisha',
  'Mateo',
  'Nora',
  'Ivan',
  'Keiko',
  'Paul',
  'Rosa',
  'Amir',
];
const LAST = [
  'Ruiz',
  'Bell',
  'Whitfield',
  'Garcia',
  'Patel',
  'Wang',
  'Okafor',
  'Haddad',
  'Rossi',
  'Jackson',
  'Lin',
  'Hernandez',
  'Schmidt',
  'Mensah',
  'Petrova',
  'Cohen',
  'Khan',
  'Flores',
  'Adler',
  'Nasser',
  'Morales',
  'Turner',
  'Bello',
  'Castro',
  'Lund',
  'Novak',
  'Sato',
  'Murphy',
  'Vega',
  'Karimi',
];
const SPANISH = new Set(['Luis', 'Sofia', 'Jorge', 'Diego', 'Lucia', 'Mateo', 'Rosa']);

/** mulberry32: small, fast and good enough for demo data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function firstOfMonth(date: string, monthsBack: number): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - monthsBack);
  return d.toISOString().slice(0, 10);
}

type Profile =
  'current' | 'late' | 'one_behind' | 'deep' | 'partial' | 'promise' | 'dispute' | 'plan';

function profileOf(r: number, kind: PropertySpec['kind']): Profile {
  // Storage runs deeper into arrears (the lien process is the point of the demo there).
  const deep = kind === 'storage' ? 0.1 : 0.04;
  const bands: [Profile, number][] = [
    ['current', 0.58],
    ['late', 0.12],
    ['one_behind', 0.09],
    ['deep', deep],
    ['partial', 0.05],
    ['promise', 0.04],
    ['dispute', 0.02],
    ['plan', 0.02],
  ];
  let acc = 0;
  for (const [p, w] of bands) {
    acc += w;
    if (r < acc) return p;
  }
  return 'current';
}

export function demoPortfolio(today: string): DemoPortfolio {
  const random = rng(20261129);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const out: DemoPortfolio = {
    currency: 'USD',
    properties: [],
    tenants: [],
    leases: [],
    ledger: [],
    events: [],
  };
  const months = [3, 2, 1, 0].map((m) => firstOfMonth(today, m)).filter((d) => d <= today);

  for (const p of PROPERTIES) {
    const address = {
      line1: p.street,
      city: p.city,
      region: p.region,
      postalCode: p.postalCode,
      country: 'US',
    };
    out.properties.push({
      id: p.id,
      name: p.name,
      timezone: p.timezone,
      jurisdiction: p.jurisdiction,
      kind: p.kind,
      ownerId: p.ownerId,
      runAt: '09:00',
      address,
      legalName: `${p.name} LLC`,
      payTo: { name: `${p.name} LLC`, address, hours: 'Mon-Fri 9:00-17:00' },
      phone: `+1${p.area}5550100`,
      email: `office@${p.id.toLowerCase()}.example`,
    });

    for (let i = 1; i <= p.leases; i++) {
      const first = pick(FIRST);
      const last = pick(LAST);
      const n = String(i).padStart(2, '0');
      const tenantId = `T-${p.id}-${n}`;
      const leaseId = `L-${p.id}-${n}`;
      const unit =
        p.kind === 'storage'
          ? `${String.fromCharCode(65 + (i % 4))}${100 + i}`
          : `${1 + Math.floor(i / 8)}${String.fromCharCode(65 + (i % 8))}`;
      const spanish = SPANISH.has(first);
      out.tenants.push({
        id: tenantId,
        name: `${first} ${last}`,
        email: `${first}.${last}.${p.id}${n}@example.com`.toLowerCase(),
        phone: `+1${p.area}555${String(110 + i).padStart(4, '0')}`,
        address: {
          line1: p.kind === 'storage' ? `${100 + i * 7} Elm St` : p.street,
          ...(p.kind === 'storage' ? {} : { line2: `Unit ${unit}` }),
          city: p.city,
          region: p.region,
          postalCode: p.postalCode,
          country: 'US',
        },
        language: spanish ? 'es' : 'en',
        consent: {
          sms: random() < 0.85,
          email: true,
          voice: random() < 0.6,
          eNotices: random() < 0.7,
        },
      });
      const rentCents = Math.round((p.rent[0] + random() * (p.rent[1] - p.rent[0])) / 5) * 500;
      out.leases.push({
        id: leaseId,
        propertyId: p.id,
        unit,
        spaceType: p.spaceType,
        tenantIds: [tenantId],
        rentCents,
      });

      const profile = profileOf(random(), p.kind);
      const unpaidMonths =
        profile === 'late' || profile === 'promise' || profile === 'dispute'
          ? 1
          : profile === 'one_behind' || profile === 'plan'
            ? 2
            : profile === 'deep'
              ? 3
              : 0;
      months.forEach((due, m) => {
        const chargeId = `C-${leaseId}-${due.slice(0, 7)}`;
        out.ledger.push({
          id: chargeId,
          leaseId,
          date: due,
          type: 'charge',
          category: 'rent',
          amountCents: rentCents,
          dueDate: due,
          memo: `Rent ${due.slice(0, 7)}`,
        });
        const unpaid = m >= months.length - unpaidMonths;
        const paidOn = addDays(due, Math.floor(random() * 4));
        if (!unpaid && paidOn <= today)
          out.ledger.push({
            id: `P-${leaseId}-${due.slice(0, 7)}`,
            leaseId,
            date: paidOn,
            type: 'payment',
            amountCents: rentCents,
          });
        else if (profile === 'partial' && m === months.length - 1 && paidOn <= today)
          out.ledger.push({
            id: `P-${leaseId}-${due.slice(0, 7)}`,
            leaseId,
            date: paidOn,
            type: 'payment',
            amountCents: Math.round(rentCents / 2),
          });
      });
      // In `partial`, the last month is half paid (above); earlier months were paid in full.

      const replyDay = addDays(today, -2) > months.at(-1)! ? addDays(today, -2) : today;
      if (profile === 'promise') {
        out.events.push({
          leaseId,
          date: replyDay,
          type: 'reply',
          channel: 'sms',
          text: spanish ? 'Pago el viernes, lo siento' : "Sorry, I'll pay Friday",
        });
        out.events.push({
          leaseId,
          date: replyDay,
          type: 'promise',
          amountCents: rentCents,
          until: addDays(today, 4),
        });
      } else if (profile === 'dispute') {
        out.events.push({
          leaseId,
          date: replyDay,
          type: 'reply',
          channel: 'email',
          text: 'I paid this already by check, please check your records.',
        });
        out.events.push({ leaseId, date: replyDay, type: 'dispute' });
      } else if (profile === 'plan') {
        const share = Math.ceil((rentCents * 2) / 3 / 100) * 100;
        out.events.push({
          leaseId,
          date: replyDay,
          type: 'reply',
          channel: 'sms',
          text: 'Can I pay in three parts?',
        });
        out.events.push({
          leaseId,
          date: replyDay,
          type: 'plan',
          installments: [1, 2, 3].map((k) => ({
            dueDate: addDays(today, 7 * k),
            amountCents: share,
          })),
        });
      }
    }
  }
  return out;
}

/** The demo's staff: one per role a visitor would want to try. */
export const DEMO_USERS = [
  { email: 'admin@demo.arrears.app', role: 'admin' },
  { email: 'manager@demo.arrears.app', role: 'manager' },
  { email: 'clerk@demo.arrears.app', role: 'collections' },
  { email: 'owner@demo.arrears.app', role: 'owner', ownerId: 'OWN-ARROYO' },
] as const;

export const DEMO_PASSWORD = 'arrears-demo';
