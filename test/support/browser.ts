/**
 * What the browser tests (web/e2e/*.browser.test.ts) share: Debian's Chromium driven by
 * playwright-core (headless, no sandbox), a real Arrears server with the demo organisation
 * on 127.0.0.1 over a fresh SQLite file, an API client to check what the clicks did, axe-core
 * and screenshots. One server and one browser per test file.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import type { Clock } from '../../src/app/ports/clock.js';
import { serverAppFor, packageRoot } from '../../src/cli/commands/serve.js';
import { signSandboxWebhook, SIGNATURE_HEADER } from '../../src/connectors/sandbox/webhooks.js';
import { DEMO_PASSWORD } from '../../src/demo/portfolio.js';
import { seedDemo } from '../../src/demo/seed.js';
import { demoRoutes, provideDemoApi } from '../../src/http/routes/v1/demo.js';
import { startServer, type StartedServer } from '../../src/http/server.js';
import { openRuntime, storesFor, type Runtime } from '../../src/main.js';
import { ROOT, type BrowserAvailability } from './browser-setup.js';

export { DEMO_PASSWORD };

export const USERS = {
  admin: 'admin@demo.arrears.app',
  manager: 'manager@demo.arrears.app',
  clerk: 'clerk@demo.arrears.app',
  owner: 'owner@demo.arrears.app',
} as const;

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
];

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1024, height: 768 },
] as const;

export const SCREENSHOT_DIR = join(ROOT, '.tmp', 'screenshots');

// ---------------------------------------------------------------------------------------
// Is there a browser?

export type BrowserSuite = { skip: false; executablePath: string } | { skip: true; reason: string };

/**
 * What test/support/browser-setup.ts (the globalSetup) found. A file runs its tests when
 * `skip` is false; otherwise it skips them, or, under ARREARS_REQUIRE_BROWSER=1, fails.
 */
export function browserSuite(): BrowserSuite {
  const found: BrowserAvailability | undefined = inject('arrearsBrowser');
  if (!found)
    throw new Error(
      'the browser tests need the globalSetup test/support/browser-setup.ts in the Vitest config',
    );
  if (found.executablePath) return { skip: false, executablePath: found.executablePath };
  return { skip: true, reason: found.reason ?? 'Chromium is not available' };
}

export const browserRequired = () => process.env.ARREARS_REQUIRE_BROWSER === '1';

export function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** What a browser test file gets: filled in by its `beforeAll`. */
export interface E2E {
  server: DemoServer;
  browser: Browser;
  /** The file's page at 1280×800 (signed out at first), reused by its tests. */
  page: Page;
  /** Another page in a fresh context (no session), closed with the file. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * A `describe` whose tests share one demo server, one browser and one page. Without
 * Chromium it is skipped with the reason in its name (and printed by the globalSetup), or,
 * under ARREARS_REQUIRE_BROWSER=1, replaced by one failing test that says why. When a test
 * fails, its pages are saved as `.tmp/screenshots/failed-<test>-<n>.png` and the pages'
 * errors and the server's warnings are printed.
 */
export function describeInBrowser(name: string, body: (e2e: E2E) => void): void {
  const suite = browserSuite();
  if (suite.skip) {
    if (browserRequired())
      test(`${name}: Chromium is available (ARREARS_REQUIRE_BROWSER=1)`, () => {
        throw new Error(suite.reason);
      });
    else describe.skip(`${name} — skipped: ${suite.reason}`, () => body({} as E2E));
    return;
  }
  describe(name, () => {
    const e2e = {} as E2E;
    const contexts: BrowserContext[] = [];
    const pageErrors: string[] = [];
    const watch = (page: Page) => {
      page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
          pageErrors.push(`console error: ${m.text()}`);
      });
      return page;
    };
    beforeAll(async () => {
      // Both at once; whichever started is closed by afterAll when the other failed.
      const [server, browser] = await Promise.allSettled([
        startDemoServer(),
        launchBrowser(suite.executablePath),
      ]);
      if (server.status === 'fulfilled') e2e.server = server.value;
      if (browser.status === 'fulfilled') e2e.browser = browser.value;
      if (server.status === 'rejected') throw server.reason;
      if (browser.status === 'rejected') throw browser.reason;
      e2e.newPage = async (viewport = VIEWPORTS[0]) => {
        const context = await e2e.browser.newContext({ viewport, baseURL: e2e.server.url });
        context.setDefaultTimeout(10_000);
        contexts.push(context);
        return watch(await context.newPage());
      };
      e2e.page = await e2e.newPage();
    }, 60_000);
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail') {
        const slug = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        for (const [i, c] of contexts.entries())
          for (const p of c.pages())
            await p
              .screenshot({ path: join(SCREENSHOT_DIR, `failed-${slug}-${i}.png`) })
              .catch(() => undefined);
        const notes = [...pageErrors, ...(e2e.server?.logs ?? [])];
        if (notes.length > 0) process.stderr.write(`${ctx.task.name}:\n  ${notes.join('\n  ')}\n`);
      }
      pageErrors.length = 0;
    });
    afterAll(async () => {
      await e2e.browser?.close();
      await e2e.server?.close();
    });
    body(e2e);
  });
}

// ---------------------------------------------------------------------------------------
// The server

const DAY_MS = 86_400_000;
/** Wednesday 11 March 2026, 18:00 UTC: a working day, office hours in every demo time zone. */
export const DEMO_START = Date.parse('2026-03-11T18:00:00.000Z');

/** Starts at DEMO_START and runs at the wall clock's pace; `advanceDays` moves it forward. */
export interface TestClock extends Clock {
  offsetDays: number;
  today(): string;
}

function testClock(start = DEMO_START): TestClock {
  const t0 = Date.now();
  const c: TestClock = {
    offsetDays: 0,
    now: () => start + (Date.now() - t0) + c.offsetDays * DAY_MS,
    today: () => new Date(c.now()).toISOString().slice(0, 10),
  };
  return c;
}

export interface DemoServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  rt: Runtime;
  clock: TestClock;
  /** ARREARS_SANDBOX_WEBHOOK_SECRET of this server. */
  webhookSecret: string;
  /** JSON log lines at warn and above (printed by the tests when something fails). */
  logs: string[];
  /** Scans the portfolio as the demo's worker does. */
  scan(): Promise<void>;
  /**
   * Moves the clock `days` forward and scans, as the demo's worker does on a new day.
   * Sessions age with the clock (12 hours): sign in again afterwards.
   */
  advanceDays(days: number): Promise<void>;
  /** A client of `/api/v1` signed in as `email` (one per user until the clock moves). */
  api(email: string): Promise<ApiClient>;
  /** POSTs a signed sandbox SMS (`/webhooks/sandbox-sms`) from `from` saying `text`. */
  smsReply(from: string, text: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The demo organisation (src/demo/seed.ts) scanned once, served with the dashboard and the
 * demo clock, as `arrears demo` does it but in this process and with a clock the test
 * controls; no worker (nothing is dispatched).
 */
export async function startDemoServer(): Promise<DemoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'arrears-e2e-'));
  const clock = testClock();
  const webhookSecret = 'browser-test-webhook-secret';
  const env = { ARREARS_SANDBOX_WEBHOOK_SECRET: webhookSecret, ARREARS_LOG_LEVEL: 'warn' };
  const rt = await openRuntime({ db: `sqlite:${join(dir, 'arrears.db')}`, env, cwd: dir, clock });
  const logs: string[] = [];
  let server: StartedServer | undefined;
  try {
    await seedDemo(rt, { examplesDir: join(packageRoot(), 'examples'), today: clock.today() });
    const stores = storesFor(rt.db);
    const scan = async () => {
      await scanPortfolio({ clock, ...stores }, { orgId: rt.orgId, actor: 'system:demo' });
    };
    await scan();
    const app = await serverAppFor(rt, {
      logLevel: 'warn',
      publicUrl: undefined,
      log: (line) => void logs.push(line),
      extraApiRoutes: [
        provideDemoApi({
          today: clock.today,
          offsetDays: () => clock.offsetDays,
          // The banner's "Advance" buttons: the clock and a scan, no dispatch (no worker).
          async advance(days) {
            clock.offsetDays += days;
            await scan();
            return { scan: {}, dispatched: 0 };
          },
        }),
        demoRoutes,
      ],
    });
    server = await startServer(app, { host: '127.0.0.1', port: 0, signals: [] });
    const url = server.url;
    const started = server;
    const clients = new Map<string, Promise<ApiClient>>();
    return {
      url,
      rt,
      clock,
      webhookSecret,
      logs,
      scan,
      async advanceDays(days) {
        clock.offsetDays += days;
        clients.clear();
        await scan();
      },
      api(email) {
        let client = clients.get(email);
        if (!client) {
          client = ApiClient.signIn(url, email);
          clients.set(email, client);
        }
        return client;
      },
      async smsReply(from, text) {
        const body = JSON.stringify({
          type: 'message.received',
          id: `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}`,
          from,
          text,
        });
        const t = Math.floor(clock.now() / 1000);
        const res = await fetch(`${url}/webhooks/sandbox-sms`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signSandboxWebhook(webhookSecret, body, t),
          },
          body,
        });
        const json = (await res.json()) as Record<string, unknown>;
        if (!res.ok) throw new Error(`sandbox-sms answered ${res.status}: ${JSON.stringify(json)}`);
        return json;
      },
      async close() {
        await started.close();
        await rt.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server?.close();
    await rt.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** `/api/v1` with a session cookie and its CSRF token, for checking what the page did. */
export class ApiClient {
  private constructor(
    readonly base: string,
    private readonly cookie: string,
    private readonly csrf: string,
  ) {}

  static async signIn(base: string, email: string): Promise<ApiClient> {
    const res = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    });
    if (!res.ok) throw new Error(`sign-in as ${email}: ${res.status} ${await res.text()}`);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    return new ApiClient(base, cookie, csrfToken);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === 'GET' ? {} : { 'x-csrf-token': this.csrf }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
}

// ---------------------------------------------------------------------------------------
// Pages

/** `expect.poll` with room for a slow machine: 10 s, every 100 ms. */
export function eventually<T>(value: () => Promise<T>) {
  return expect.poll(value, { timeout: 10_000, interval: 100 });
}

/** Signs in through the login page (the page may show any URL of the dashboard). */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('logout').waitFor();
}

/**
 * Makes sure the page is signed in as `email` (signing out someone else first), after
 * opening `path` when given (a page load) or `/` when the page shows nothing yet: each
 * test can start from whatever the previous one left.
 */
export async function signedInAs(page: Page, email: string, path?: string): Promise<void> {
  if (path !== undefined) await page.goto(path);
  else if (page.url() === 'about:blank') await page.goto('/');
  const login = page.getByTestId('login-email');
  const logout = page.getByTestId('logout');
  await login.or(logout).first().waitFor();
  if (await logout.isVisible()) {
    const user = await page.getByTestId('current-user').textContent();
    if (user?.startsWith(`${email} `)) return;
    await logout.click();
    await login.waitFor();
  }
  await signIn(page, email);
}

/**
 * The few browser globals the page functions below read. The repository's tsconfig has no
 * DOM types (Node code), so page functions go through `globalThis` cast to this.
 */
interface PageGlobals {
  document: {
    activeElement: {
      id: string;
      textContent: string | null;
      getAttribute(name: string): string | null;
    } | null;
    querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
  };
  axe?: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
  scrollTo(x: number, y: number): void;
}

export interface Focused {
  testId: string;
  id: string;
  text: string;
}

/** The focused element: its test id, id and text ('' for what it lacks). */
export function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as PageGlobals).document.activeElement;
    return {
      testId: el?.getAttribute('data-testid') ?? '',
      id: el?.id ?? '',
      text: el?.textContent?.trim() ?? '',
    };
  });
}

/** The test id of the focused element ('' when it has none). */
export async function focusedTestId(page: Page): Promise<string> {
  return (await focused(page)).testId;
}

/** Waits until no "Loading…", "Checking…" or "Simulating…" status is left on the page. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const statuses = (globalThis as unknown as PageGlobals).document.querySelectorAll(
      '[role="status"]',
    );
    return ![...statuses].some((e) =>
      /^\s*(Loading|Checking|Simulating)/.test(e.textContent ?? ''),
    );
  });
}

/** Scrolls the page back to its top. */
export async function scrollToTop(page: Page): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as PageGlobals).scrollTo(0, 0));
}

/**
 * Presses Tab (or Shift+Tab) until the focused element's test id matches, at most `max`
 * times: how a keyboard user walks to a control.
 */
export async function tabTo(
  page: Page,
  matches: (testId: string) => boolean,
  options: { backwards?: boolean; max?: number } = {},
): Promise<string> {
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  for (let i = 0; i < (options.max ?? 200); i++) {
    await page.keyboard.press(key);
    const id = await focusedTestId(page);
    if (matches(id)) return id;
  }
  throw new Error(`no focusable element matched after ${options.max ?? 200} × ${key}`);
}

// ---------------------------------------------------------------------------------------
// axe-core and screenshots

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary?: string; html: string }[];
}

let axeSource: Promise<string> | undefined;

/**
 * Runs axe-core (every rule it enables by default: WCAG 2.0–2.2 A/AA and best practices)
 * on the page and returns the serious and critical violations. The page's CSP forbids
 * inline scripts, so axe is evaluated through the DevTools protocol rather than injected
 * as a `<script>`.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const source = await axeSource;
  const hasAxe = await page.evaluate(() => !!(globalThis as unknown as PageGlobals).axe);
  if (!hasAxe) await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const g = globalThis as unknown as PageGlobals;
    const r = await g.axe!.run(g.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target,
        failureSummary: n.failureSummary,
        html: n.html.slice(0, 300),
      })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** What a reviewer reads when axe fails a page. */
export function describeViolations(where: string, violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${where}: [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, 5)
          .map(
            (n) =>
              `    ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`,
          )
          .join('\n'),
    )
    .join('\n');
}

/** Saves `.tmp/screenshots/<name>-<width>x<height>.png` (the viewport, not the full page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize();
  const path = join(SCREENSHOT_DIR, `${name}-${size?.width}x${size?.height}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}
