/**
 * CSV import presets (SPEC 3.2) as data: for each vendor export, which header names map to
 * which model field, which columns are required, how dates and money are written, whether
 * rows are transactions or aging buckets, how ids are derived and how statuses map.
 * `csv.ts` reads these tables; it has no vendor-specific branches. Pure.
 */
import type { AgingBucket } from '../ledger/aging.js';
import { AGING_BUCKETS } from '../ledger/aging.js';

export const PRESET_NAMES = ['appfolio', 'buildium', 'yardi', 'generic'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && (PRESET_NAMES as readonly string[]).includes(value);
}

export type BucketField = `bucket:${AgingBucket}`;

/** Every model field a CSV column can map to. */
export const IMPORT_FIELDS = [
  'propertyId',
  'propertyName',
  'unit',
  'spaceType',
  'leaseId',
  'tenantId',
  'tenantName',
  'phone',
  'email',
  'language',
  'status',
  'inCollections',
  'rent',
  'startDate',
  'endDate',
  'transactionId',
  'date',
  'type',
  'category',
  'amount',
  'dueDate',
  'reverses',
  'appliesTo',
  'memo',
  ...AGING_BUCKETS.map((b): BucketField => `bucket:${b}`),
  'prepayment',
  'total',
  'lastPaymentDate',
  'lastPaymentAmount',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const BUCKET_FIELDS: readonly BucketField[] = AGING_BUCKETS.map(
  (b): BucketField => `bucket:${b}`,
);

/** What each field becomes in the portfolio model (the "maps to" column of the docs). */
export const FIELD_MAPS_TO: Readonly<Record<ImportField, string>> = {
  propertyId: '`lease.propertyId` (the code, as written)',
  propertyName: '`property.name`; also the property id (slugged) when there is no code column',
  unit: '`lease.unit`',
  spaceType: '`lease.spaceType`',
  leaseId: '`lease.id` (as written)',
  tenantId: '`tenant.id` (as written)',
  tenantName: '`tenant.name`',
  phone: '`tenant.phone`, normalised to E.164 (a mobile number is preferred when several)',
  email: '`tenant.email`, lower-cased (the first address when several)',
  language: '`tenant.language` (`en`, `es`, … or English, Spanish, …)',
  status: '`lease.status` (see the status table)',
  inCollections: '`lease.tags` gets `collections` when yes',
  rent: '`lease.rentCents`',
  startDate: '`lease.startDate`',
  endDate: '`lease.endDate`',
  transactionId: '`ledger[].id` (derived from the row when absent)',
  date: '`ledger[].date`',
  type: '`ledger[].type` (charge, payment, credit, reversal, writeoff)',
  category: '`ledger[].category` (rent, fee, utility, deposit, other)',
  amount: '`ledger[].amountCents` (a negative payment or credit is read as its size)',
  dueDate: '`ledger[].dueDate` (charges; defaults to the date)',
  reverses: '`ledger[].reverses` (reversals)',
  appliesTo: '`ledger[].appliesTo`',
  memo: '`ledger[].memo`',
  'bucket:current': 'one rent charge due on the as-of date (bucket `current`)',
  'bucket:1-30': 'one rent charge due 1 day before the as-of date (bucket `1-30`)',
  'bucket:31-60': 'one rent charge due 31 days before the as-of date (bucket `31-60`)',
  'bucket:61-90': 'one rent charge due 61 days before the as-of date (bucket `61-90`)',
  'bucket:90+': 'one rent charge due 91 days before the as-of date (bucket `90+`)',
  prepayment: 'one unapplied `credit` of its size, dated the as-of date',
  total:
    'kept for reconciliation (`reported[].totalCents`); a total below the buckets becomes an unapplied credit when there is no prepayment column',
  lastPaymentDate: 'kept for reconciliation (`reported[].lastPaymentDate`)',
  lastPaymentAmount: 'kept for reconciliation (`reported[].lastPaymentCents`)',
};

/**
 * Days before the as-of date on which the synthetic charge of each bucket falls due: the
 * youngest age the bucket allows, so an import never makes a debt look older than the export
 * proves (a notice period can only be lengthened by it, never shortened).
 */
export const BUCKET_AGE_DAYS: Readonly<Record<AgingBucket, number>> = {
  current: 0,
  '1-30': 1,
  '31-60': 31,
  '61-90': 61,
  '90+': 91,
};

export type DateFormat = 'MM/DD/YYYY' | 'YYYY-MM-DD';
export type NegativeStyle = 'minus' | 'parentheses';
export interface MoneyFormat {
  /** Currency symbols allowed before the number. */
  symbols: readonly string[];
  /** Thousands separator allowed between digit groups. */
  thousands: ',';
  decimal: '.';
  negatives: readonly NegativeStyle[];
}

/** An id recipe: fields joined with `:`; `property` is the resolved property id. */
export type IdPart = ImportField | 'property';
export type IdRecipe = readonly IdPart[];

export type ImportLevel = 'transaction' | 'aging';

export interface Preset {
  name: PresetName;
  /** The vendor report this preset reads. */
  title: string;
  /** How to produce the export in the vendor's product. */
  howToExport: string;
  /** `auto`: transactions when an amount column is present, aging buckets otherwise. */
  level: ImportLevel | 'auto';
  /** Accepted date formats; the first is the one named in error messages. */
  dateFormats: readonly DateFormat[];
  money: MoneyFormat;
  /** Country assumed for phone numbers written without a country code. */
  defaultCountry: 'US';
  /** Accepted header names per field, in priority order (matched ignoring case and spaces). */
  columns: Readonly<Partial<Record<ImportField, readonly string[]>>>;
  /** Each group needs at least one of its fields as a column. */
  required: {
    all: readonly (readonly ImportField[])[];
    transaction: readonly (readonly ImportField[])[];
    aging: readonly (readonly ImportField[])[];
  };
  /** Known columns deliberately not imported, with the reason (for the docs). */
  ignored: Readonly<Record<string, string>>;
  /** Alternatives, first whose fields all have a value in the row wins. */
  ids: {
    property: readonly IdRecipe[];
    lease: readonly IdRecipe[];
    tenant: readonly IdRecipe[];
  };
  /** Vendor status (matched ignoring case and spaces) → `lease.status`. */
  statuses: Readonly<Record<string, string>>;
  /** Labels that mark a subtotal / grand-total row (skipped when the row names no tenant). */
  summaryLabels: readonly string[];
}

/**
 * Header and status matching: lower-case, Unicode-normalised, dashes unified, spaces,
 * underscores and `.:#*` removed. `Amount Receivable` = `amount_receivable` = `AMOUNT RECEIVABLE`.
 */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\s_.:#*]+/g, '');
}

/** Fields whose values are names, slugged when they become part of an id. */
export const NAME_FIELDS: ReadonlySet<IdPart> = new Set<IdPart>([
  'propertyName',
  'unit',
  'tenantName',
]);

/** `María José Hernández` → `maria-jose-hernandez`; letters of any script are kept. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

const US_MONEY: MoneyFormat = {
  symbols: ['$'],
  thousands: ',',
  decimal: '.',
  negatives: ['minus', 'parentheses'],
};

/** Language names and codes accepted in a language column → `tenant.language`. */
export const LANGUAGES: Readonly<Record<string, string>> = {
  en: 'en',
  english: 'en',
  inglés: 'en',
  ingles: 'en',
  es: 'es',
  spanish: 'es',
  español: 'es',
  espanol: 'es',
  fr: 'fr',
  french: 'fr',
  pt: 'pt',
  portuguese: 'pt',
  zh: 'zh',
  chinese: 'zh',
  mandarin: 'zh',
  vi: 'vi',
  vietnamese: 'vi',
  ko: 'ko',
  korean: 'ko',
  tl: 'tl',
  tagalog: 'tl',
  ru: 'ru',
  russian: 'ru',
  ar: 'ar',
  arabic: 'ar',
};

/** Transaction types (generic preset) → `ledger[].type`. */
export const TRANSACTION_TYPES: Readonly<Record<string, string>> = {
  charge: 'charge',
  invoice: 'charge',
  payment: 'payment',
  receipt: 'payment',
  credit: 'credit',
  concession: 'credit',
  reversal: 'reversal',
  'reverse payment': 'reversal',
  nsf: 'reversal',
  'returned payment': 'reversal',
  writeoff: 'writeoff',
  'write-off': 'writeoff',
  'write off': 'writeoff',
};

/** Categories (generic preset) → `ledger[].category`. */
export const CATEGORY_NAMES: Readonly<Record<string, string>> = {
  rent: 'rent',
  fee: 'fee',
  'late fee': 'fee',
  fees: 'fee',
  utility: 'utility',
  utilities: 'utility',
  water: 'utility',
  deposit: 'deposit',
  'security deposit': 'deposit',
  other: 'other',
};

const SUMMARY_LABELS = ['total', 'totals', 'grand total', 'subtotal'];

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  appfolio: {
    name: 'appfolio',
    title: 'AppFolio — Delinquency report',
    howToExport:
      'Reports → Delinquency, as of the export date, with the Property column shown (not grouped by property), Actions → Export → CSV.',
    level: 'aging',
    dateFormats: ['MM/DD/YYYY', 'YYYY-MM-DD'],
    money: US_MONEY,
    defaultCountry: 'US',
    columns: {
      propertyName: ['Property', 'Property Name'],
      unit: ['Unit', 'Unit Name'],
      spaceType: ['Unit Type'],
      tenantName: ['Name', 'Tenant', 'Tenant Name', 'Occupancy Name'],
      status: ['Tenant Status', 'Status'],
      phone: ['Phone Numbers', 'Phone', 'Phone Number'],
      email: ['Primary Tenant Email', 'Emails', 'Email'],
      language: ['Preferred Language', 'Language'],
      inCollections: ['In Collections'],
      rent: ['Rent', 'Monthly Rent'],
      startDate: ['Move-in', 'Move In'],
      endDate: ['Move-out', 'Move Out'],
      'bucket:1-30': ['0-30', '00-30', '0 to 30'],
      'bucket:31-60': ['30-60', '30 to 60'],
      'bucket:61-90': ['60-90', '60 to 90'],
      'bucket:90+': ['90+', '90 Plus', 'Over 90'],
      prepayment: ['Prepayments', 'Prepaid'],
      total: ['Amount Receivable', 'Total', 'Balance'],
      lastPaymentDate: ['Last Payment', 'Last Payment Date'],
      lastPaymentAmount: ['Payment Amount', 'Last Payment Amount'],
    },
    required: {
      all: [['propertyName'], ['unit'], ['tenantName']],
      transaction: [],
      aging: [BUCKET_FIELDS],
    },
    ignored: {
      '30+': 'cumulative (= 30-60 + 60-90 + 90+); importing it would count the debt twice',
      '60+': 'cumulative (= 60-90 + 90+); importing it would count the debt twice',
      'Delinquent Rent': 'a subset of the buckets',
      'Delinquent Subsidy Amount': 'subsidy share, not owed by the tenant',
      'Delinquency Notes': 'free text',
      'Collections Agency': 'free text',
      Tags: 'free text',
      'Property ID': 'AppFolio internal number; the property id is derived from Property',
      'Unit ID': 'AppFolio internal number',
      'Occupancy ID': 'AppFolio internal number; the lease id is derived (see Ids)',
    },
    ids: {
      property: [['propertyName']],
      lease: [['property', 'unit', 'tenantName']],
      tenant: [['property', 'unit', 'tenantName']],
    },
    statuses: {
      Current: 'active',
      Notice: 'notice',
      Evict: 'eviction',
      Eviction: 'eviction',
      Past: 'moved_out',
      Future: 'future',
    },
    summaryLabels: SUMMARY_LABELS,
  },

  buildium: {
    name: 'buildium',
    title: 'Buildium — Outstanding balances / Aged receivables',
    howToExport:
      'Reports → Outstanding balances (or Aged receivables), lease level, as of the export date, Export → CSV.',
    level: 'aging',
    dateFormats: ['MM/DD/YYYY', 'YYYY-MM-DD'],
    money: US_MONEY,
    defaultCountry: 'US',
    columns: {
      propertyName: ['Property', 'Property Name', 'Rental'],
      unit: ['Unit', 'Unit Number'],
      tenantName: ['Lease', 'Tenant', 'Tenants', 'Residents', 'Tenant Name'],
      status: ['Lease Status', 'Status'],
      phone: ['Phone', 'Phone Number', 'Mobile Phone', 'Tenant Phone'],
      email: ['Email', 'Email Address', 'Tenant Email'],
      language: ['Preferred Language', 'Language'],
      rent: ['Rent', 'Rent Amount'],
      startDate: ['Lease Start', 'Start Date'],
      endDate: ['Lease End', 'End Date'],
      'bucket:current': ['Current'],
      'bucket:1-30': ['0 - 30 days', '0-30', 'Balance 0-30 days'],
      'bucket:31-60': ['31 - 60 days', '31-60', 'Balance 31-60 days'],
      'bucket:61-90': ['61 - 90 days', '61-90', 'Balance 61-90 days'],
      'bucket:90+': ['90+ days', 'Over 90 days', '90+', 'Balance over 90 days'],
      prepayment: ['Prepayments', 'Prepayment', 'Prepaid Rent'],
      total: ['Balance', 'Total Balance', 'Total'],
      lastPaymentDate: ['Last Payment Date', 'Last Payment'],
      lastPaymentAmount: ['Last Payment Amount'],
    },
    required: {
      all: [['propertyName'], ['unit'], ['tenantName']],
      transaction: [],
      aging: [BUCKET_FIELDS],
    },
    ignored: {
      'Past Due Email Sent': 'Buildium reminder history',
      'Eviction Pending Date': 'Buildium eviction flag; use Lease Status',
      'Property Address': 'not needed to match the property',
    },
    ids: {
      property: [['propertyName']],
      lease: [['property', 'unit', 'tenantName']],
      tenant: [['property', 'unit', 'tenantName']],
    },
    statuses: {
      Active: 'active',
      Current: 'active',
      Future: 'future',
      Past: 'moved_out',
      'Eviction Pending': 'eviction',
      Eviction: 'eviction',
    },
    summaryLabels: SUMMARY_LABELS,
  },

  yardi: {
    name: 'yardi',
    title: 'Yardi Voyager — Aging detail / Tenant aging',
    howToExport:
      'Reports → Receivable → Aging (Aged Receivables), summarised by resident, for the post month of the export date, Excel/CSV output. Title lines above the header row are skipped.',
    level: 'aging',
    dateFormats: ['MM/DD/YYYY', 'YYYY-MM-DD'],
    money: US_MONEY,
    defaultCountry: 'US',
    columns: {
      propertyId: ['Property', 'Property Code', 'Prop'],
      propertyName: ['Property Name'],
      unit: ['Unit', 'Unit Code'],
      tenantId: ['Tenant', 'Tenant Code', 'Resident', 'Resident Code'],
      tenantName: ['Name', 'Tenant Name', 'Resident Name'],
      status: ['Status', 'Resident Status', 'Tenant Status'],
      phone: ['Phone', 'Phone Number', 'Cell Phone'],
      email: ['Email', 'Email Address'],
      language: ['Preferred Language', 'Language'],
      rent: ['Rent', 'Lease Rent'],
      startDate: ['Move In', 'Move-in'],
      endDate: ['Move Out', 'Move-out'],
      'bucket:current': ['Current', 'Current Owed'],
      'bucket:1-30': ['0-30', '0-30 Owed', '0-30 Days'],
      'bucket:31-60': ['31-60', '31-60 Owed', '31-60 Days'],
      'bucket:61-90': ['61-90', '61-90 Owed', '61-90 Days'],
      'bucket:90+': ['Over 90', 'Over 90 Owed', '90+', 'Over 90 Days'],
      prepayment: ['Prepays', 'Prepayments', 'Prepaid'],
      total: ['Total', 'Total Owed', 'Net Balance', 'Balance'],
      lastPaymentDate: ['Last Payment Date', 'Last Receipt'],
      lastPaymentAmount: ['Last Payment Amount', 'Last Receipt Amount'],
    },
    required: {
      all: [['propertyId'], ['unit'], ['tenantId'], ['tenantName']],
      transaction: [],
      aging: [BUCKET_FIELDS],
    },
    ignored: {
      'Total Unpaid Charges': 'gross of prepayments; the buckets carry the same money',
      Memo: 'free text',
      Comment: 'free text',
    },
    ids: {
      property: [['propertyId']],
      lease: [['tenantId']],
      tenant: [['tenantId']],
    },
    statuses: {
      Current: 'active',
      Notice: 'notice',
      Eviction: 'eviction',
      Past: 'moved_out',
      Future: 'future',
      Applicant: 'future',
      Canceled: 'cancelled',
      Denied: 'cancelled',
    },
    summaryLabels: SUMMARY_LABELS,
  },

  generic: {
    name: 'generic',
    title: 'Generic — one ledger transaction per row (or one aging row per lease)',
    howToExport:
      'Any spreadsheet: one row per transaction with an amount column, or one row per lease with aging bucket columns.',
    level: 'auto',
    dateFormats: ['YYYY-MM-DD', 'MM/DD/YYYY'],
    money: US_MONEY,
    defaultCountry: 'US',
    columns: {
      propertyId: ['property_id', 'property'],
      propertyName: ['property_name'],
      unit: ['unit'],
      spaceType: ['space_type', 'unit_type'],
      leaseId: ['lease_id', 'lease'],
      tenantId: ['tenant_id'],
      tenantName: ['tenant_name', 'tenant', 'name'],
      phone: ['phone', 'phone_number', 'mobile'],
      email: ['email', 'e-mail'],
      language: ['language', 'lang'],
      status: ['status', 'lease_status'],
      inCollections: ['in_collections'],
      rent: ['rent', 'rent_amount'],
      startDate: ['start_date', 'lease_start'],
      endDate: ['end_date', 'lease_end'],
      transactionId: ['transaction_id', 'txn_id', 'id'],
      date: ['date', 'transaction_date', 'posted_date'],
      type: ['type', 'transaction_type'],
      category: ['category'],
      amount: ['amount'],
      dueDate: ['due_date', 'due'],
      reverses: ['reverses'],
      appliesTo: ['applies_to'],
      memo: ['memo', 'description', 'note'],
      'bucket:current': ['current'],
      'bucket:1-30': ['1-30', '0-30'],
      'bucket:31-60': ['31-60'],
      'bucket:61-90': ['61-90'],
      'bucket:90+': ['90+', 'over 90'],
      prepayment: ['prepayment', 'prepaid', 'unapplied_credit'],
      total: ['total', 'balance'],
      lastPaymentDate: ['last_payment_date'],
      lastPaymentAmount: ['last_payment_amount'],
    },
    required: {
      all: [['propertyId', 'propertyName'], ['leaseId'], ['tenantName']],
      transaction: [['date'], ['type'], ['amount']],
      aging: [BUCKET_FIELDS],
    },
    ignored: {},
    ids: {
      property: [['propertyId'], ['propertyName']],
      lease: [['leaseId']],
      tenant: [['tenantId'], ['leaseId', 'tenantName']],
    },
    statuses: {
      active: 'active',
      current: 'active',
      notice: 'notice',
      eviction: 'eviction',
      evict: 'eviction',
      moved_out: 'moved_out',
      past: 'moved_out',
      former: 'moved_out',
      future: 'future',
      cancelled: 'cancelled',
      delinquent: 'delinquent',
      collections: 'collections',
      suspended: 'suspended',
      active_lien: 'active_lien',
    },
    summaryLabels: SUMMARY_LABELS,
  },
};

export function presetByName(name: PresetName): Preset {
  return PRESETS[name];
}

// ---------------------------------------------------------------------------------------
// Documentation generated from the data (docs/csv-presets.md embeds it; a test keeps it honest)

function requiredText(preset: Preset, field: ImportField): string {
  const groups: [string, readonly (readonly ImportField[])[]][] = [
    ['', preset.required.all],
    ['transaction rows', preset.required.transaction],
    ['aging rows', preset.required.aging],
  ];
  for (const [when, list] of groups) {
    for (const group of list) {
      if (!group.includes(field)) continue;
      const mapped = group.filter((f) => preset.columns[f] !== undefined);
      let text = 'yes';
      if (mapped.length > 1)
        text =
          group === BUCKET_FIELDS
            ? 'at least one bucket'
            : `this or ${mapped
                .filter((f) => f !== field)
                .map((f) => `\`${preset.columns[f]?.[0] ?? f}\``)
                .join(', ')}`;
      return when === '' ? text : `${text} (${when})`;
    }
  }
  return 'no';
}

function describeRecipe(preset: Preset, recipe: IdRecipe): string {
  return recipe
    .map((part) => {
      if (part === 'property') return 'property id';
      const header = `\`${preset.columns[part]?.[0] ?? part}\``;
      return NAME_FIELDS.has(part) ? `slug(${header})` : header;
    })
    .join(' `:` ');
}

/** The Markdown section for one preset: settings, the column table and the status table. */
export function presetMarkdown(name: PresetName): string {
  const p = PRESETS[name];
  const lines: string[] = [];
  lines.push(`## \`${p.name}\` — ${p.title}`, '');
  lines.push(`Export: ${p.howToExport}`, '');
  const level =
    p.level === 'auto'
      ? 'transactions when an `amount` column is present, aging buckets otherwise'
      : p.level === 'aging'
        ? 'aging buckets (one row per lease)'
        : 'transactions (one row per ledger entry)';
  lines.push(`- Rows: ${level}.`);
  lines.push(`- Dates: ${p.dateFormats.join(' or ')}.`);
  const negatives = p.money.negatives
    .map((n) => (n === 'minus' ? '`-12.00`' : '`(12.00)`'))
    .join(' or ');
  lines.push(
    `- Money: \`1234.56\`, \`${p.money.symbols[0] ?? ''}1,234.56\`; negatives ${negatives}; an empty cell or \`-\` is zero in amount buckets.`,
  );
  lines.push(`- Phones without a country code are read as ${p.defaultCountry} numbers.`);
  lines.push(
    `- Ids: property = ${p.ids.property.map((r) => describeRecipe(p, r)).join(', else ')}; lease = ${p.ids.lease.map((r) => describeRecipe(p, r)).join(', else ')}; tenant = ${p.ids.tenant.map((r) => describeRecipe(p, r)).join(', else ')}.`,
  );
  lines.push('');
  lines.push('| column (also accepted) | required? | maps to |', '|---|---|---|');
  for (const field of IMPORT_FIELDS) {
    const aliases = p.columns[field];
    if (!aliases || aliases.length === 0) continue;
    const [first, ...rest] = aliases;
    const also = rest.length > 0 ? ` (${rest.map((a) => `\`${a}\``).join(', ')})` : '';
    lines.push(`| \`${first}\`${also} | ${requiredText(p, field)} | ${FIELD_MAPS_TO[field]} |`);
  }
  for (const [column, why] of Object.entries(p.ignored))
    lines.push(`| \`${column}\` | no | not imported: ${why} |`);
  lines.push('');
  lines.push('| status in the export | `lease.status` |', '|---|---|');
  for (const [status, mapped] of Object.entries(p.statuses))
    lines.push(`| \`${status}\` | \`${mapped}\` |`);
  lines.push('');
  return lines.join('\n');
}
