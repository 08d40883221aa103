/**
 * `arrears edit KEY [--subject S] [--body-file F] --reason R [--as EMAIL]` (SPEC R13): edit a
 * draft's text. The edit is a new version with its diff, approvals start over, and an
 * approved item goes back to `draft`; the reason is recorded with the edit's audit entry.
 */
import type { Command } from 'commander';
import { resolveActingUser, type ApprovalDeps } from '../../app/approve-action.js';
import { editDraft } from '../../app/edit-draft.js';
import type { JsonObject, OutboxStore } from '../../app/ports/outbox.js';
import { AppError, InputError, type InputIssue } from '../../domain/errors.js';
import { withRuntime, type Runtime } from '../../main.js';
import type { DbTransaction } from '../../storage/database.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { readInputFile } from '../io.js';
import { DB_OPTION_HELP } from './migrate.js';
import { outboxItemJson } from './outbox.js';

export const AS_HELP = 'act as this user (default: $ARREARS_USER, else the first admin)';

/**
 * editDraft records the diff but takes no reason; this puts the reason into the audit data of
 * the edit (and of the approved → draft move), inside editDraft's own transaction.
 */
function withEditReason<Tx>(outbox: OutboxStore<Tx>, reason: string): OutboxStore<Tx> {
  return {
    ...outbox,
    addVersion: (tx, orgId, key, version, audit) =>
      outbox.addVersion(tx, orgId, key, version, { ...audit, reason }),
    transition: (tx, orgId, key, to, options) =>
      outbox.transition(tx, orgId, key, to, {
        ...options,
        audit: { ...options.audit, editReason: reason },
      }),
  };
}

function deps(rt: Runtime, reason: string): ApprovalDeps<DbTransaction> {
  return {
    outbox: withEditReason(createOutboxRepo(rt.db, rt.clock), reason),
    users: createUsersRepo(rt.db, rt.clock),
    clock: rt.clock,
  };
}

interface EditOptions {
  subject?: string;
  bodyFile?: string;
  reason: string;
  as?: string;
  db?: string;
  json?: boolean;
}

const TEXT_TYPES = new Set(['message', 'document']);

export function registerEdit(program: Command, ctx: CliContext): void {
  program
    .command('edit')
    .description(
      "edit a draft's subject or body: a new version that needs approval again (an approved item goes back to draft)",
    )
    .argument('<key>', 'outbox key (as `arrears queue` lists it)')
    .option('--subject <subject>', 'new subject (e-mail)')
    .option('--body-file <file>', 'file holding the new body (UTF-8; - reads standard input)')
    .requiredOption('--reason <reason>', 'why the text changes (recorded in the audit log)')
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the edited item with its version')
    .action(async (key: string, opts: EditOptions) => {
      const issues: InputIssue[] = [];
      if (opts.subject === undefined && opts.bodyFile === undefined)
        issues.push({
          path: 'KEY',
          message: 'say what changes: --subject S and/or --body-file F',
        });
      if (opts.subject !== undefined && opts.subject.trim() === '')
        issues.push({ path: '--subject', message: 'a subject cannot be empty' });
      if (opts.reason.trim() === '')
        issues.push({
          path: '--reason',
          message: 'say why the text changes, e.g. --reason "tenant asked for Spanish"',
        });
      if (issues.length > 0) throw new InputError(issues);
      const changes: JsonObject = {};
      if (opts.subject !== undefined) changes.subject = opts.subject.trim();
      if (opts.bodyFile !== undefined) {
        const body = (await readInputFile(opts.bodyFile, ctx)).trimEnd();
        if (body === '')
          throw new InputError([
            {
              file: opts.bodyFile,
              path: '',
              message: 'the body is empty; write the new text in it',
            },
          ]);
        changes.body = body;
      }
      const reason = opts.reason.trim();
      const { user, result } = await withRuntime(
        { db: opts.db, env: ctx.env, cwd: ctx.cwd },
        async (rt) => {
          const d = deps(rt, reason);
          const u = await resolveActingUser(d.users, rt.orgId, opts.as ?? ctx.env.ARREARS_USER);
          const item = await d.outbox.get(rt.orgId, key);
          if (!item)
            throw new InputError([
              {
                path: key,
                message:
                  'no outbox item with this key; `arrears queue` lists the drafts awaiting approval',
              },
            ]);
          if (!TEXT_TYPES.has(item.type))
            throw new InputError([
              {
                path: key,
                message: `${item.type} items have no text to edit; reject it (\`arrears reject ${key} --reason R\`) instead`,
              },
            ]);
          if (changes.subject !== undefined && item.channel !== 'email' && item.method !== 'email')
            throw new InputError([
              {
                path: '--subject',
                message: `${key} goes by ${item.method ?? item.channel ?? item.type}, which has no subject; edit the body only`,
              },
            ]);
          return { user: u, result: await editDraft(d, rt.orgId, u, key, changes) };
        },
      );
      if (!result.ok) {
        if (result.code === 'invalid_input')
          throw new InputError([{ path: key, message: result.message }]);
        throw new AppError(result.code, result.message);
      }
      if (opts.json) {
        ctx.stdout(
          `${JSON.stringify({ ...outboxItemJson(result.item), changed: result.changed }, null, 2)}\n`,
        );
        return;
      }
      if (!result.changed) {
        ctx.stdout(`${key}: nothing changed; still version ${result.version}\n`);
        return;
      }
      ctx.stdout(
        `edited ${key} (${user.email}): version ${result.version}, ${result.item.status}; ` +
          `it needs approval again (\`arrears approve ${key}\`)\n`,
      );
    });
}
