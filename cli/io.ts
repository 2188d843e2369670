import { neutralise } from './terminal-text';

/** Where a command writes and what it sees: process streams in `bin/fleet.mjs`, buffers in tests. */
export type Out = { write(text: string): unknown; isTTY?: boolean; columns?: number };

export type Io = {
  stdout: Out;
  stderr: Out;
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (CSV, plans, state files) resolve here. */
  cwd: string;
  /** The package root: default config files (grouping rules) are read from here. */
  root: string;
  /** Aborts long commands (onboard) between calls; Ctrl-C in the real CLI. */
  signal?: AbortSignal;
};

/** Exit codes scripts can rely on (docs/cli.md). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  /** 128 + SIGINT, the shell's convention: Ctrl-C stopped the command (onboarding saved its progress). */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error with its exit code and what to do about it; printed as `error: ...` then `hint: ...`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: ExitCode,
    message: string,
    readonly hint?: string,
    readonly lines: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Writes one line; control characters in it are neutralised (cli/terminal-text.ts). */
export const line = (out: Out, text = '') => out.write(`${neutralise(text)}\n`);
