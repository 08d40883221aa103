/**
 * Two organisations on one database, each with everything a tenant of Arrears can own:
 * properties, tenants, leases and their ledger, a corporate policy and a property override,
 * cases from a real scan, drafts needing one and two approvals, a task with a photo, a
 * mailed notice with its proof of service, a tenant's reply and the suggestion it made, a
 * hold, a REST hook, a stored connector setting, users of every role with API tokens, and a
 * dashboard session. Ids start with the organisation's prefix (`alpha-…`, `bravo-…`) and
 * every text a person typed carries its mark (`ALPHAMARK`, `BRAVOMARK`), so a response
 * that leaks the other organisation's data shows it by a plain text search.
 *
 * `serveApp` builds the server exactly as `arrears serve` does (src/cli/commands/serve.ts),
 * plus the demo clock's routes of `arrears demo`, so the OpenAPI document lists every
 * route either command serves. `orgSnapshot` reads every row an organisation owns, to
 * prove a refused request changed nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { dispatchOutbox } from '../../src/app/dispatch-outbox.js';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import { hashPassword } from '../../src/app/passwords.js';
import type { Role } from '../../src/app/ports/auth.js';
import { ROLES } from '../../src/app/ports/auth.js';
import { fixedClock, systemClock, type Clock } from '../../src/app/ports/clock.js';
import { subscribeHook } from '../../src/app/publish-events.js';
import { receiveReply } from '../../src/app/receive-reply.js';
import { parseEvents, recordEvents } from '../../src/app/record-events.js';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import { attachTaskPhoto } from '../../src/app/task-photos.js';
import { serverAppFor } from '../../src/cli/commands/serve.js';
import { seal } from '../../src/connectors/secret-box.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { demoRoutes, provideDemoApi } from '../../src/http/routes/v1/demo.js';
import { inboundFor, storesFor, type Runtime } from '../../src/main.js';
import { newItem, scriptedRecheck } from '../../src/outbox/testing.js';
import type { Db } from '../../src/storage/database.js';
import { issueApiToken } from '../../src/storage/repos/api-tokens-repo.js';
import { connectorSettingsRepo } from '../../src/storage/repos/connector-settings-repo.js';
import { documentsRepo } from '../../src/storage/repos/documents-repo.js';
import { hookSubscriptionsRepo } from '../../src/storage/repos/hook-subscriptions-repo.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { createSessionsRepo } from '../../src/storage/repos/sessions-repo.js';
import { taskPhotosRepo } from '../../src/storage/repos/task-photos-repo.js';
import { tasksRepo } from '../../src/storage/repos/tasks-repo.js';
import { createUsersRepo } from '../../src/storage/repos/users-repo.js';

/** Thursday 2026-10-08, 10:00 in Los Angeles: rent due Oct 1 is a week late. */
export const NOW = Date.parse('2026-10-08T17:00:00.000Z');
export const TODAY = '2026-10-08';
export const PASSWORD = 'correct horse battery staple';
/** The key the seeded connector settings are sealed with (`ARREARS_SECRETS_KEY` of SERVE_ENV). */
export const SECRETS_KEY = randomBytes(32);

/** Every role, and a manager limited to the organisation's first property. */
export type Who = Role | 'managerP1';
export const EVERYONE: readonly Who[] = [...ROLES, 'managerP1'];

export interface SeededUser {
  id: string;
  email: string;
  role: Role;
  token: string;
  tokenSha256: string;
}

export interface SeededOrg {
  orgId: string;
  /** Prefix of every id: `alpha` or `bravo`. */
  prefix: string;
  /** In every name, note and text of this organisation. */
  mark: string;
  users: Record<Who, SeededUser>;
  properties: [string, string];
  owners: [string];
  tenants: [string, string];
  leases: [string, string];
  ledger: [string, string];
  policies: { corporate: string; override: string };
  /** Scan drafts (one approval) of each lease, and a draft needing two approvals. */
  drafts: { l1: string; l2: string; twoPerson: string };
  task: string;
  photoSha256: string;
  proofId: string;
  noticeSha256: string;
  replyId: string;
  suggestionId: string;
  hookId: string;
  /** A signed-in admin's session (cookie value) and its CSRF token. */
  session: { token: string; csrfToken: string };
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

const policySource = (p: string, mark: string, over: { id: string; propertyIds?: string[] }) =>
  parsePolicy(
    `id: ${over.id}
name: "Residential ${mark}"
appliesTo: {kind: residential${over.propertyIds ? `, propertyIds: [${over.propertyIds.join(', ')}]` : ''}}
stages:
  - id: late-notice
    name: "Late notice ${mark}"
    day: 5
    approval: manual
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice, to: [tenant]}
`,
    `${p}.yaml`,
  );

/** Seeds one organisation (`prefix` alpha or bravo; `n` keeps phone numbers apart). */
export async function seedOrganisation(
  db: Db,
  clock: Clock,
  prefix: string,
  n: number,
): Promise<SeededOrg> {
  const orgId = `${prefix}-org`;
  const mark = `${prefix.toUpperCase()}MARK`;
  const at = new Date(clock.now()).toISOString();
  const id = (s: string) => `${prefix}-${s}`;
  await ensureOrganisation(db, { id: orgId, name: `${mark} Property Management`, at });

  // Users of every role, each with an API token; the owner owns the first property.
  const usersRepo = createUsersRepo(db, clock);
  const users = {} as Record<Who, SeededUser>;
  for (const who of EVERYONE) {
    const role: Role = who === 'managerP1' ? 'manager' : who;
    const email = `${who.toLowerCase()}@${prefix}.example`;
    const { user } = await usersRepo.addUser(orgId, email, role, 'system:test');
    const issued = await issueApiToken(db, { orgId, userId: user.id, at });
    users[who] = { id: user.id, email, role, token: issued.token, tokenSha256: issued.sha256 };
  }
  await usersRepo.setScope(orgId, users.owner.id, { ownerId: id('OWN1'), propertyIds: null });
  await usersRepo.setScope(orgId, users.managerP1.id, { ownerId: null, propertyIds: [id('P1')] });
  const passwordHash = await hashPassword(PASSWORD);
  for (const who of ['admin', 'managerP1', 'owner'] as const)
    await usersRepo.setPassword(orgId, users[who].id, passwordHash);

  const stores = storesFor(db);
  const portfolio = {
    properties: [1, 2].map((k) => ({
      id: id(`P${k}`),
      name: `Oak Court ${k} ${mark}`,
      timezone: 'America/Los_Angeles',
      jurisdiction: 'US-CA',
      kind: 'residential',
      ...(k === 1 ? { ownerId: id('OWN1') } : {}),
    })),
    tenants: [1, 2].map((k) => ({
      id: id(`T${k}`),
      name: `Tenant ${k} ${mark}`,
      email: `tenant${k}@${prefix}-mail.example`,
      phone: `+1415555${String(n * 10 + k).padStart(4, '0')}`,
      consent: { sms: true, email: true },
    })),
    leases: [1, 2].map((k) => ({
      id: id(`L${k}`),
      propertyId: id(`P${k}`),
      unit: `${k}A ${mark}`,
      tenantIds: [id(`T${k}`)],
      rentCents: 150000,
    })),
    ledger: [1, 2].map((k) => ({
      id: id(`C${k}`),
      leaseId: id(`L${k}`),
      date: '2026-10-01',
      type: 'charge',
      category: 'rent',
      amountCents: 150000,
      dueDate: '2026-10-01',
      memo: `October rent ${mark}`,
    })),
  };
  await importJsonPortfolio(
    { clock, ...stores },
    {
      orgId,
      fileName: `${prefix}.json`,
      text: JSON.stringify(portfolio),
      format: 'json',
      actor: 'system:test',
    },
  );
  const policies = { corporate: id('res'), override: id('p2') };
  await stores.policies.save(
    orgId,
    policySource(prefix, mark, { id: policies.corporate }),
    't',
    at,
  );
  await stores.policies.save(
    orgId,
    policySource(prefix, mark, { id: policies.override, propertyIds: [id('P2')] }),
    't',
    at,
  );
  await scanPortfolio({ clock, ...stores }, { orgId, actor: 'system:scan' });

  // A draft needing two approvals and a task, planned as the engine plans them.
  const outbox = createOutboxRepo(db, clock);
  const twoPerson = `${id('L1')}:1:legal:letter`;
  const task = `${id('L1')}:1:call:task`;
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      orgId,
      [
        newItem(twoPerson, {
          leaseId: id('L1'),
          stage: 'legal',
          action: 'letter',
          contactId: id('T1'),
          dueAt: at,
          policyId: policies.corporate,
          policyVersion: 1,
          approvalsRequired: 2,
          payload: { template: 'late-notice', body: `Final notice ${mark}` },
        }),
        newItem(task, {
          leaseId: id('L1'),
          stage: 'call',
          action: 'task',
          type: 'task',
          channel: null,
          method: null,
          contactId: null,
          dueAt: new Date(clock.now() - 60_000).toISOString(),
          policyId: policies.corporate,
          policyVersion: 1,
          approvalsRequired: 0,
          pastDueCents: null,
          payload: { title: `Call the tenant ${mark}`, assignee: 'role:collections' },
        }),
      ],
      'system:scan',
    ),
  );
  await dispatchOutbox(
    {
      outbox,
      recheck: scriptedRecheck(),
      senders: { senderFor: () => undefined },
      clock,
      workerId: `seed-${prefix}`,
    },
    { orgId },
  );
  const documents = documentsRepo(db, clock);
  const photo = await attachTaskPhoto(
    { clock, tasks: tasksRepo(db), photos: taskPhotosRepo(db), documents },
    { orgId, propertyIds: null },
    task,
    { bytes: Buffer.concat([PNG, Buffer.from(mark)]), contentType: 'image/png' },
    { userId: users.collections.id },
  );

  // A mailed notice and its proof of service.
  const noticeKey = `${id('L1')}:1:late-notice:notice/${id('T1')}/certified_mail`;
  const notice = await documents.storeDocument(
    orgId,
    {
      bytes: Buffer.from(`%PDF-1.7 notice for ${mark}`),
      contentType: 'application/pdf',
      leaseId: id('L1'),
      outboxKey: noticeKey,
      template: 'late-notice',
    },
    'system:test',
    at,
  );
  const proofId = id('PR1');
  await documents.recordProof(
    orgId,
    {
      id: proofId,
      outboxKey: noticeKey,
      leaseId: id('L1'),
      contactId: id('T1'),
      method: 'certified',
      provider: 'postal',
      providerId: id('mail-1'),
      trackingNumber: `94001${n}0000000000000001`,
      certificateRef: null,
      documentSha256: notice.sha256,
      servedOn: '2026-10-07',
      mailedAt: at,
      data: { recipient: `Tenant 1 ${mark}` },
    },
    'system:test',
    at,
  );

  // The tenant answers by SMS; the reply suggests a promise to pay.
  await receiveReply(inboundFor(db, clock), {
    orgId,
    channel: 'sms',
    from: portfolio.tenants[0]!.phone,
    text: `I will pay $1500 on Friday, ${mark}`,
    provider: 'sandbox-sms',
    providerMessageId: id('sms-1'),
    receivedAt: at,
  });
  const reply = await db.kysely
    .selectFrom('replies')
    .select('id')
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const suggestion = await db.kysely
    .selectFrom('suggestions')
    .select('id')
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();

  await recordEvents(
    { clock, ...stores },
    orgId,
    parseEvents(
      JSON.stringify([
        {
          type: 'hold',
          hold: 'hardship',
          leaseId: id('L2'),
          date: '2026-10-07',
          until: '2026-10-20',
          note: `Lost her job ${mark}`,
        },
      ]),
      'events.json',
    ),
    'test',
    `user:${users.manager.id}`,
  );
  const hook = await subscribeHook(
    { hooks: hookSubscriptionsRepo(db), clock },
    { orgId, userId: users.admin.id },
    { target_url: `https://hooks.zapier.com/hooks/catch/${prefix}/1/`, event: 'case.opened' },
  );
  await connectorSettingsRepo(db).put(
    orgId,
    'twilio',
    'AUTH_TOKEN',
    seal(SECRETS_KEY, 'twilio:AUTH_TOKEN', `${prefix}-twilio-secret`),
    'user:test',
    at,
  );
  // Sessions run on wall-clock time, as the server's do.
  const session = await createSessionsRepo(db, systemClock).create(
    orgId,
    users.admin.id,
    3_600_000,
  );

  const scanDraft = async (leaseId: string) =>
    (
      await db.kysely
        .selectFrom('outbox')
        .select('key')
        .where('org_id', '=', orgId)
        .where('lease_id', '=', leaseId)
        .where('status', '=', 'draft')
        .where('stage', '=', 'late-notice')
        .executeTakeFirstOrThrow()
    ).key;

  return {
    orgId,
    prefix,
    mark,
    users,
    properties: [id('P1'), id('P2')],
    owners: [id('OWN1')],
    tenants: [id('T1'), id('T2')],
    leases: [id('L1'), id('L2')],
    ledger: [id('C1'), id('C2')],
    policies,
    drafts: { l1: await scanDraft(id('L1')), l2: await scanDraft(id('L2')), twoPerson },
    task,
    photoSha256: photo.sha256,
    proofId,
    noticeSha256: notice.sha256,
    replyId: reply.id,
    suggestionId: suggestion.id,
    hookId: hook.id,
    session: { token: session.token, csrfToken: session.csrfToken },
  };
}

/** The server reads the caller's stored connector settings, so it holds their key. */
export const SERVE_ENV = {
  ARREARS_ZAPIER_ENABLED: '1',
  ARREARS_LOG_LEVEL: 'silent',
  ARREARS_SECRETS_KEY: SECRETS_KEY.toString('hex'),
};

/** The runtime `arrears serve` would open for `orgId` over `db` (not closed by `close`). */
export function runtimeFor(
  db: Db,
  orgId: string,
  env: Record<string, string | undefined> = SERVE_ENV,
  clock: Clock = fixedClock(NOW),
): Runtime {
  return { db, clock, orgId, env, close: async () => undefined };
}

/** The demo clock of `arrears demo`, standing still: `advance` only counts its calls. */
export function stillDemoClock() {
  const calls: number[] = [];
  return {
    calls,
    today: () => TODAY,
    offsetDays: () => 0,
    async advance(days: number) {
      calls.push(days);
      return { scan: {}, dispatched: 0 };
    },
  };
}

/** The server of `arrears serve` (and the demo's clock routes) over `rt`. */
export async function serveApp(
  rt: Runtime,
  log?: (line: string) => void,
): Promise<FastifyInstance> {
  return serverAppFor(rt, {
    logLevel: log ? 'info' : 'silent',
    publicUrl: undefined,
    log: log ?? (() => undefined),
    extraApiRoutes: [provideDemoApi(stillDemoClock()), demoRoutes],
  });
}

export interface Operation {
  method: string;
  /** OpenAPI path (`/api/v1/leases/{leaseId}`). */
  path: string;
  /** `METHOD path`, the key of the tables the tests keep. */
  name: string;
  /** Behind an API token or session (`security` in the document). */
  auth: boolean;
  parameters: { name: string; in: 'path' | 'query' }[];
}

/** Every operation of the app's OpenAPI document. */
export async function operationsOf(app: FastifyInstance): Promise<Operation[]> {
  const r = await app.inject({ url: '/api/v1/openapi.json' });
  const doc = r.json<{ paths: Record<string, Record<string, Record<string, unknown>>> }>();
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      name: `${method.toUpperCase()} ${path}`,
      auth: Array.isArray(op.security),
      parameters: ((op.parameters ?? []) as { name: string; in: 'path' | 'query' }[]).map((p) => ({
        name: p.name,
        in: p.in,
      })),
    })),
  );
}

/** Every table of the database (migrations' bookkeeping excluded). */
export async function tableNames(db: Db): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'
          and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(db.kysely)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'
          and table_name not like 'kysely_%'`.execute(db.kysely);
  return rows.rows.map((r) => r.name).sort();
}

async function columnsOf(db: Db, table: string): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db.kysely)
      : await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}`.execute(db.kysely);
  return rows.rows.map((r) => r.name);
}

const cellText = (v: unknown): unknown =>
  Buffer.isBuffer(v) || v instanceof Uint8Array
    ? `bytes:${createHash('sha256').update(v).digest('hex')}`
    : v instanceof Date
      ? v.toISOString()
      : typeof v === 'bigint'
        ? String(v)
        : v;

/** Every row of `table` (where `orgId` when given), as sorted JSON lines. */
export async function rowsOf(db: Db, table: string, orgId?: string): Promise<string[]> {
  const where = orgId === undefined ? sql`` : sql` where org_id = ${orgId}`;
  const result = await sql<
    Record<string, unknown>
  >`select * from ${sql.table(table)}${where}`.execute(db.kysely);
  return result.rows
    .map((row) =>
      JSON.stringify(
        Object.fromEntries(
          Object.keys(row)
            .sort()
            .map((k) => [k, cellText(row[k])]),
        ),
      ),
    )
    .sort();
}

/**
 * Every row an organisation owns: each table with an `org_id` column (new tables are
 * included as they come), its `organisations` row, and the content-addressed documents
 * named in `shas`.
 */
export async function orgSnapshot(
  db: Db,
  orgId: string,
  shas: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await tableNames(db)) {
    const columns = await columnsOf(db, table);
    if (columns.includes('org_id')) out[table] = await rowsOf(db, table, orgId);
  }
  out.organisations = (await rowsOf(db, 'organisations')).filter((r) =>
    r.includes(`"id":${JSON.stringify(orgId)}`),
  );
  out.documents = (await rowsOf(db, 'documents')).filter((r) => shas.some((s) => r.includes(s)));
  return out;
}

/** The rows of `after` that are not in `before`, and the reverse, per table (empty: same). */
export function snapshotDiff(before: Record<string, string[]>, after: Record<string, string[]>) {
  const diff: Record<string, { added: string[]; removed: string[] }> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = new Set(before[table] ?? []);
    const a = new Set(after[table] ?? []);
    const added = [...a].filter((r) => !b.has(r));
    const removed = [...b].filter((r) => !a.has(r));
    if (added.length + removed.length > 0) diff[table] = { added, removed };
  }
  return diff;
}

export const bearer = (u: SeededUser) => ({ authorization: `Bearer ${u.token}` });

/** Every row of every table as text, bytes included (as latin1): what a secret must not be in. */
export async function databaseText(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await tableNames(db)) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      db.kysely,
    );
    out[table] = result.rows
      .map((row) =>
        Object.values(row)
          .map((v) =>
            Buffer.isBuffer(v) || v instanceof Uint8Array
              ? Buffer.from(v).toString('latin1')
              : typeof v === 'string'
                ? v
                : JSON.stringify(v),
          )
          .join('\t'),
      )
      .join('\n');
  }
  return out;
}
