/**
 * Every main page of the dashboard in Chromium against a real server with the demo
 * organisation: axe-core finds no serious or critical violation (WCAG 2.x A/AA and best
 * practices), and each page is kept as a screenshot at 1280×800 and 1024×768 in
 * .tmp/screenshots/<page>-<width>x<height>.png for review.
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import {
  describeInBrowser,
  describeViolations,
  screenshot,
  scrollToTop,
  seriousViolations,
  settled,
  signedInAs,
  USERS,
  VIEWPORTS,
} from '../../test/support/browser.js';

interface MainPage {
  name: string;
  heading: string | RegExp;
  /** What shows once the page has its data (a test id or a CSS selector). */
  ready: string;
  /** How a user gets there (default: the `nav-<name>` link); nothing reloads the app. */
  open?: (page: Page) => Promise<void>;
  /** Anything to do before checking (fill in a form so more of the page renders). */
  prepare?: (page: Page) => Promise<void>;
}

let caseLease = '';
let previewLease = '';

const PAGES: MainPage[] = [
  { name: 'queue', heading: 'Approval queue', ready: 'queue-select-all' },
  { name: 'cases', heading: 'Cases', ready: 'cases-table' },
  {
    name: 'case',
    heading: /./,
    ready: 'case-timeline',
    async open(page) {
      await page.getByTestId('nav-cases').click();
      await page.getByTestId(`case-link-${caseLease}`).click();
    },
  },
  { name: 'exceptions', heading: 'Exceptions', ready: 'exceptions-table' },
  { name: 'pipeline', heading: 'Pipeline', ready: '[data-testid^="pipeline-track-"]' },
  { name: 'tasks', heading: 'Tasks', ready: 'tasks-table' },
  { name: 'notices', heading: 'Notices', ready: 'notices-table' },
  {
    name: 'policies',
    heading: 'Policies',
    ready: 'policy-valid',
    async open(page) {
      await page.getByTestId('nav-policies').click();
      await page.getByTestId('policy-picker').selectOption('residential-us-ca');
    },
    async prepare(page) {
      await page.getByTestId('policy-lease').selectOption(previewLease);
      await page.getByTestId('policy-preview-table').waitFor();
    },
  },
  { name: 'reports', heading: 'Reports', ready: 'chart-aging' },
  { name: 'connectors', heading: 'Connectors', ready: 'connectors-table' },
  { name: 'changes', heading: /Changes|What changed/, ready: 'changes-table' },
];

const locate = (page: Page, ready: string) =>
  /^[a-z0-9-]+$/.test(ready) ? page.getByTestId(ready) : page.locator(ready);

/** axe at 1280×800, then the two screenshots; the page is left at 1280×800. */
async function checkAndShoot(page: Page, name: string): Promise<void> {
  await settled(page);
  const violations = await seriousViolations(page);
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await scrollToTop(page);
    await screenshot(page, name);
  }
  await page.setViewportSize(VIEWPORTS[0]);
  expect(violations, describeViolations(name, violations)).toEqual([]);
}

describeInBrowser('accessibility and screenshots of the main pages', (e2e) => {
  beforeAll(async () => {
    const api = await e2e.server.api(USERS.admin);
    // A case with a reply and a hold in its timeline; a California lease for the preview.
    const open = await api.get<{ items: { leaseId: string }[] }>('/cases?open=true&limit=200');
    for (const { leaseId } of open.items) {
      const c = await api.get<{ cases: { timeline: { kind: string; type?: string }[] }[] }>(
        `/cases/${encodeURIComponent(leaseId)}`,
      );
      if (c.cases.some((x) => x.timeline.some((t) => t.type === 'reply'))) {
        caseLease = leaseId;
        break;
      }
    }
    previewLease = open.items.find((c) => c.leaseId.startsWith('L-OAK-'))?.leaseId ?? '';
    expect(caseLease).not.toBe('');
    expect(previewLease).not.toBe('');
  });

  test('the login page has no serious accessibility violation', async () => {
    // A fresh context: signed out.
    const page = await e2e.newPage();
    await page.goto('/');
    await page.getByTestId('login-submit').waitFor();
    await checkAndShoot(page, 'login');
  });

  for (const p of PAGES)
    test(`the ${p.name} page has no serious accessibility violation`, async () => {
      const { page } = e2e;
      await signedInAs(page, USERS.admin);
      await (p.open ?? ((pg) => pg.getByTestId(`nav-${p.name}`).click()))(page);
      await page.getByRole('heading', { level: 1, name: p.heading }).first().waitFor();
      await locate(page, p.ready).first().waitFor();
      await p.prepare?.(page);
      await checkAndShoot(page, p.name);
    });
});
