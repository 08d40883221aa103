/**
 * The one error catalogue: every expected failure has a code, an HTTP status and a CLI
 * exit code (0 ok, 1 runtime error, 2 invalid input).
 */
export const ERROR_CATALOGUE = {
  invalid_input: { http: 400, exit: 2, title: 'The input is not valid' },
  not_found: { http: 404, exit: 1, title: 'Not found' },
  conflict: { http: 409, exit: 1, title: 'Conflict with the current state' },
  forbidden: { http: 403, exit: 1, title: 'Not allowed for this role' },
  unauthorized: { http: 401, exit: 1, title: 'Sign-in required' },
  runtime: { http: 500, exit: 1, title: 'Something went wrong' },
} as const;
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One problem found in an input: where it is and what to do. */
export interface InputIssue {
  /** File name, or `-` for standard input. */
  file?: string;
  /** JSON path (`stages[1].actions[0].amountCents`), row/column, or entry id. */
  path: string;
  message: string;
}

export const MAX_REPORTED_ISSUES = 50;

export function formatIssue(issue: InputIssue): string {
  const where = [issue.file, issue.path].filter((s) => s !== undefined && s !== '').join(': ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** Invalid input; carries every issue found (up to 50). Exit code 2. */
export class InputError extends Error {
  readonly code = 'invalid_input' as const;
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[], summary?: string) {
    const shown = issues.slice(0, MAX_REPORTED_ISSUES);
    super(summary ?? shown.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = shown;
  }
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError) return 2;
  if (error instanceof AppError) return ERROR_CATALOGUE[error.code].exit;
  return 1;
}
