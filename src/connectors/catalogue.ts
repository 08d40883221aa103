/**
 * docs/connectors.md, written from the manifests (`npm run docs:connectors`) so the
 * documentation cannot drift from what the code declares; a test checks it is current.
 */
import { CONNECTOR_IDS, settingEnvName } from './contract.js';
import { CONNECTOR_MODULES } from './registry.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function connectorsDoc(): string {
  const lines: string[] = [
    '# Connectors',
    '',
    '<!-- Written by `npm run docs:connectors` from src/connectors/*/manifest.ts; do not edit by hand. -->',
    '',
    'Every connector is off until its required settings are present, in the environment',
    '(`ARREARS_{ID}_{SETTING}`) or in the encrypted settings store (`arrears connectors set`);',
    'every connector also accepts `ARREARS_{ID}_BASE_URL` (a region, or its local fake in tests',
    'and the demo). Unconfigured connectors leave their routes to the sandbox. A webhook whose',
    'connector has no verification secret configured is refused (503), never accepted',
    'unverified. `arrears connectors list` shows what is configured; `arrears connectors test ID`',
    'runs the verify request below.',
    '',
    '| id | name | roles | sends | inbound | webhook |',
    '|---|---|---|---|---|---|',
  ];
  for (const id of CONNECTOR_IDS) {
    const m = CONNECTOR_MODULES.find((x) => x.manifest.id === id)?.manifest;
    if (!m) {
      lines.push(`| \`${id}\` | not in this build | | | | |`);
      continue;
    }
    lines.push(
      `| \`${id}\` | ${cell(m.name)} | ${m.roles.join(', ')} | ${m.capabilities.sends.map((r) => `\`${r}\``).join(' ') || '—'} | ${m.capabilities.inbound.join(', ') || '—'} | ${m.webhook ? `\`/webhooks/${id}\`` : '—'} |`,
    );
  }
  for (const module of CONNECTOR_MODULES) {
    const m = module.manifest;
    lines.push('', `## ${m.name} (\`${m.id}\`)`, '');
    lines.push(
      `Contract: ${m.docs}. Base URL: \`${m.baseUrl}\`. Auth: ${m.auth.mode} — ${cell(m.auth.description)}.`,
    );
    lines.push('', '| setting | required | secret | what |', '|---|---|---|---|');
    for (const s of m.settings)
      lines.push(
        `| \`${settingEnvName(m.id, s.key)}\` | ${s.required ? 'yes' : 'no'} | ${s.secret ? 'yes' : 'no'} | ${cell(s.description)}${s.default !== undefined ? ` (default \`${s.default}\`)` : ''} |`,
      );
    lines.push(`| \`${settingEnvName(m.id, 'BASE_URL')}\` | no | no | overrides the base URL |`);
    lines.push('');
    if (m.capabilities.other.length > 0) for (const o of m.capabilities.other) lines.push(`- ${o}`);
    if (m.webhook) lines.push(`- Webhook \`/webhooks/${m.id}\`: ${m.webhook.signature}.`);
    lines.push(
      `- Rate limit: ${m.rateLimit.requests} per ${m.rateLimit.perSeconds} s${m.rateLimit.note ? ` (${m.rateLimit.note})` : ''}.`,
      `- Verify (\`connectors test ${m.id}\`): ${m.verify.method} ${m.verify.path} — ${m.verify.description}.`,
      `- Idempotency: ${m.idempotency.supported ? 'yes' : 'no'} — ${m.idempotency.description}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
