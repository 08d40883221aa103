/**
 * `npm run bench:dashboard`: the dashboard's first load on the demo data (issue target:
 * under 2 s) in Debian's Chromium — a cold browser opening the login page, then signing in
 * and waiting for the approval queue with its drafts. The server is the demo's, in this
 * process, on 127.0.0.1 (the dashboard must be built: npm run build). Rewrites its section
 * of docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { launchBrowser, signIn, startDemoServer, USERS } from '../test/support/browser.js';
import { hardware, rewriteSection, today } from './report.js';

const chromium = execFileSync('node', ['scripts/ensure-chromium.mjs'], { encoding: 'utf8' }).trim();
const server = await startDemoServer();
const rounds: { login: number; queue: number }[] = [];
for (let i = 0; i < 5; i++) {
  const browser = await launchBrowser(chromium);
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 } })
  ).newPage();
  const t0 = performance.now();
  await page.goto(server.url);
  await page.getByTestId('login-email').waitFor();
  const login = performance.now() - t0;
  const t1 = performance.now();
  await signIn(page, USERS.clerk);
  await page.locator('[data-testid^="queue-row-"]').first().waitFor();
  const queue = performance.now() - t1;
  rounds.push({ login, queue });
  await browser.close();
}
await server.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const login = median(rounds.map((r) => r.login));
const queue = median(rounds.map((r) => r.queue));
const section = [
  '<!-- dashboard:start -->',
  '## Dashboard first load',
  '',
  `Machine: ${hardware()}, Chromium headless, demo data (200 leases). Median of ${rounds.length} cold browsers. Measured ${today()} by \`npm run bench:dashboard\`. Target: first load < 2 s.`,
  '',
  '| step | median | target |',
  '|---|---|---|',
  `| open http://127.0.0.1 → sign-in form shown | ${Math.round(login)} ms | ${login < 2000 ? '✓' : '✗'} |`,
  `| sign in → approval queue with its drafts | ${Math.round(queue)} ms | ${queue < 2000 ? '✓' : '✗'} |`,
  '<!-- dashboard:end -->',
].join('\n');
rewriteSection('dashboard', section);
console.log(section);
