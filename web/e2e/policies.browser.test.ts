/**
 * The policy editor in Chromium against a real server with the demo organisation (SPEC 10:
 * "policy editor with validation and a simulated 90-day preview").
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { describeInBrowser, eventually, signedInAs, USERS } from '../../test/support/browser.js';

const POLICY = 'residential-us-ca';

/** The preview's rows as `date | what` lines. */
async function previewRows(page: Page): Promise<string[]> {
  const rows = page.getByTestId('policy-preview-table').locator('tbody tr');
  const dates = await rows.locator('td:nth-child(1)').allTextContents();
  const what = await rows.locator('td:nth-child(2)').allTextContents();
  return dates.map((d, i) => `${d.trim()} | ${what[i]?.trim()}`);
}

describeInBrowser('policy editor', (e2e) => {
  test('a manager moves the reminder of the California policy from day 3 to day 4: the source validates and the 90-day preview moves the reminder a day later', async () => {
    const { page, server } = e2e;
    const api = await server.api(USERS.manager);
    // A California apartment whose March rent (due on the 1st) is unpaid.
    const leases = await api.get<{
      items: { id: string; propertyId: string; oldestPastDueDate: string | null }[];
    }>('/leases?propertyId=OAK&limit=200');
    const lease = leases.items.find((l) => l.oldestPastDueDate === '2026-03-01');
    expect(lease).toBeDefined();

    await signedInAs(page, USERS.manager, '/policies');
    await page.getByRole('heading', { level: 1, name: 'Policies' }).waitFor();
    await page.getByTestId('policy-picker').selectOption(POLICY);
    const source = page.getByTestId('policy-source');
    await eventually(() => source.inputValue()).toContain(`id: ${POLICY}`);
    await page.getByTestId('policy-valid').waitFor();

    await page.getByTestId('policy-lease').selectOption(lease!.id);
    await page.getByLabel('From (default: its today)').fill('2026-03-01');
    const table = page.getByTestId('policy-preview-table');
    await table.waitFor();
    await eventually(() => previewRows(page)).toContain('2026-03-04 | reminder · sms by sms');
    const before = await previewRows(page);

    // Edit the first stage's day in the YAML: `day: 3` → `day: 4`.
    const yaml = await source.inputValue();
    const edited = yaml.replace(/(- id: reminder\n(?:\s+\w+:.*\n)*?\s+day: )3\n/, '$14\n');
    expect(edited).not.toBe(yaml);
    await source.fill(edited);

    // Validated again (debounced), then simulated again.
    await eventually(() => previewRows(page)).toContain('2026-03-05 | reminder · sms by sms');
    expect(await page.getByTestId('policy-valid').isVisible()).toBe(true);
    const after = await previewRows(page);
    expect(after).not.toContain('2026-03-04 | reminder · sms by sms');
    // Only the reminder moved.
    expect(after.filter((r) => !r.includes('reminder'))).toEqual(
      before.filter((r) => !r.includes('reminder')),
    );
    // Nothing was saved: previewing is not applying.
    const stored = await api.get<{ version: number }>(`/policies/${POLICY}`);
    expect(stored.version).toBe(1);
  });
});
