/** What a command may touch: output streams, environment and working directory. */
export interface CliContext {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** A command sets this for a non-zero exit without throwing. */
  exitCode: number;
}
