/**
 * The approval queue in Chromium against a real server with the demo organisation
 * (SPEC 10: "today's queue with bulk approve"): signing in, approving drafts from the
 * keyboard alone, and approving the whole queue in bulk.
 */
import { expect, test } from 'vitest';
import {
  DEMO_PASSWORD,
  describeInBrowser,
  eventually,
  focused,
  focusedTestId,
  signedInAs,
  signIn,
  tabTo,
  USERS,
  type ApiClient,
} from '../../test/support/browser.js';

interface QueueItem {
  key: string;
  leaseId: string;
  required: number;
  approvals: unknown[];
}
interface OutboxRow {
  key: string;
  status: string;
}

const queueOf = async (api: ApiClient) => (await api.get<{ items: QueueItem[] }>('/queue')).items;

/** The outbox status of each key (GET /outbox?leaseId= for the leases involved). */
async function statusesOf(api: ApiClient, keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const leaseId of new Set(keys.map((k) => k.split(':')[0]!))) {
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ leaseId, limit: '200', ...(cursor ? { cursor } : {}) });
      const page: { items: OutboxRow[]; nextCursor: string | null } = await api.get(`/outbox?${q}`);
      for (const r of page.items) out.set(r.key, r.status);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return new Map(keys.map((k) => [k, out.get(k) ?? 'missing']));
}

describeInBrowser('approval queue', (e2e) => {
  test('a clerk signs in on the login page and lands on the approval queue with its drafts', async () => {
    const { page } = e2e;
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Sign in to Arrears' }).waitFor();
    await signIn(page, USERS.clerk);

    await page.getByRole('heading', { level: 1, name: 'Approval queue' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/queue');
    expect(await page.getByTestId('current-user').textContent()).toContain(USERS.clerk);
    const drafts = await queueOf(await e2e.server.api(USERS.clerk));
    expect(drafts.length).toBeGreaterThan(10);
    expect(await page.getByTestId('queue-select-all').isEnabled()).toBe(true);
    expect(await page.locator('tr[data-testid^="queue-row-"]').count()).toBe(drafts.length);
  });

  test('a clerk approves drafts with the keyboard alone: Tab, Space and Enter, no clicks', async () => {
    const api = await e2e.server.api(USERS.clerk);
    const required = new Map((await queueOf(api)).map((d) => [d.key, d.required]));
    const expectedOutcome = (key: string) =>
      required.get(key) === 1
        ? '1 draft approved.'
        : '1 draft recorded your approval and need a second approver.';
    const expectedStatus = (key: string) => (required.get(key) === 1 ? 'approved' : 'draft');

    // A fresh browser context: signed out. The e-mail field has the focus.
    const page = await e2e.newPage();
    await page.goto('/queue');
    await page.getByTestId('login-email').waitFor();
    expect(await focusedTestId(page)).toBe('login-email');
    await page.keyboard.type(USERS.clerk);
    await tabTo(page, (id) => id === 'login-password', { max: 3 });
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Approval queue' }).waitFor();
    await page.locator('tr[data-testid^="queue-row-"]').first().waitFor();
    // The sign-in form is gone: the focus is on <main>, not lost.
    await eventually(async () => (await focused(page)).id).toBe('main');

    // Select the first draft with Space, go back to "Approve selected" and press Enter.
    const checkbox = await tabTo(page, (id) => /^queue-select-(?!all$)/.test(id));
    const first = checkbox.slice('queue-select-'.length);
    await page.keyboard.press('Space');
    expect(await page.getByTestId(checkbox).isChecked()).toBe(true);
    expect(await page.getByTestId('queue-approve-selected').textContent()).toBe(
      'Approve selected (1)',
    );
    await tabTo(page, (id) => id === 'queue-approve-selected', { backwards: true });
    await page.keyboard.press('Enter');

    // The result message takes the focus and says what happened.
    await eventually(() => focusedTestId(page)).toBe('queue-outcome');
    expect(await page.getByTestId('queue-outcome').textContent()).toContain(expectedOutcome(first));
    expect((await statusesOf(api, [first])).get(first)).toBe(expectedStatus(first));

    // From the message, Tab on to the next draft's own Approve button and press Space.
    await page.getByTestId(`queue-row-${first}`).waitFor({ state: 'detached' });
    const button = await tabTo(page, (id) => /^queue-approve-(?!selected$|group-)/.test(id));
    const second = button.slice('queue-approve-'.length);
    expect(second).not.toBe(first);
    await page.keyboard.press('Space');
    await page.getByTestId(`queue-row-${second}`).waitFor({ state: 'detached' });
    await eventually(() => focusedTestId(page)).toBe('queue-outcome');
    expect(await page.getByTestId('queue-outcome').textContent()).toContain(
      expectedOutcome(second),
    );
    expect((await statusesOf(api, [second])).get(second)).toBe(expectedStatus(second));
  });

  test('a clerk selects every ready draft and approves them: the queue empties and the items are approved in the API; drafts needing two approvals wait for a manager, whose approval empties the queue', async () => {
    const { page, server } = e2e;
    const clerk = await server.api(USERS.clerk);
    const before = await queueOf(clerk);
    const single = before.filter((d) => d.required === 1).map((d) => d.key);
    const double = before.filter((d) => d.required === 2).map((d) => d.key);
    const fresh = before.filter((d) => d.required === 2 && d.approvals.length === 0).length;
    expect(single.length).toBeGreaterThan(10);
    expect(fresh).toBeGreaterThan(0);

    await signedInAs(page, USERS.clerk, '/queue');
    const selectAll = page.getByTestId('queue-select-all');
    await selectAll.waitFor();
    expect(await page.getByTestId('queue-group-ready').isVisible()).toBe(true);
    await selectAll.check();
    const approve = page.getByTestId('queue-approve-selected');
    expect(await approve.textContent()).toBe(`Approve selected (${before.length})`);
    await approve.click();

    const outcome = page.getByTestId('queue-outcome');
    await outcome.waitFor();
    await eventually(() => outcome.textContent()).toContain(`${single.length} drafts approved.`);
    expect(await outcome.textContent()).toContain(
      `${fresh} draft${fresh === 1 ? '' : 's'} recorded your approval`,
    );
    expect(await outcome.textContent()).not.toContain('Refused');
    // Nothing is left ready: what remains waits for a second approver.
    await page.getByTestId('queue-group-ready').waitFor({ state: 'detached' });
    const waiting = page.getByTestId('queue-group-second_approval');
    expect(await waiting.locator('tr[data-testid^="queue-row-"]').count()).toBe(double.length);

    const afterClerk = await statusesOf(clerk, [...single, ...double]);
    expect(single.filter((k) => afterClerk.get(k) !== 'approved')).toEqual([]);
    expect(double.filter((k) => afterClerk.get(k) !== 'draft')).toEqual([]);

    // The manager gives the second approval to the group that waits for one.
    await signedInAs(page, USERS.manager);
    await page.getByTestId('queue-approve-group-second_approval').click();
    await page.getByTestId('queue-empty').waitFor();
    expect(await page.getByTestId('queue-outcome').textContent()).toContain(
      `${double.length} draft${double.length === 1 ? '' : 's'} approved.`,
    );

    expect(await queueOf(clerk)).toEqual([]);
    const afterManager = await statusesOf(clerk, [...single, ...double]);
    expect([...afterManager.values()].every((s) => s === 'approved')).toBe(true);
  });
});
