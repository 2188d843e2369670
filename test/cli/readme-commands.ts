import { readFileSync } from 'node:fs';
import * as cloudWatch from '@aws-sdk/client-cloudwatch';

/** One command line of a README code block, split the way a POSIX shell splits it. */
export type ShellCommand = {
  /** `NAME=value` assignments before the command (`AWS_ACCESS_KEY_ID=bob npx fleet ...`). */
  env: Record<string, string>;
  argv: string[];
  /** `> file`: stdout goes there. */
  stdoutTo?: string;
  /** The line as written (for messages). */
  text: string;
};

/** The first ```bash block after the heading `heading` in `file`. */
export function codeBlockAfter(file: string, heading: string): string {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${file}: no heading ${JSON.stringify(heading)}`);
  const start = text.indexOf('```bash\n', at);
  const end = text.indexOf('\n```', start + 8);
  if (start < 0 || end < 0) throw new Error(`${file}: no bash block after ${heading}`);
  return text.slice(start + 8, end);
}

/**
 * The block's commands in order: comments dropped, `\` continuations joined, `a && b` split into two
 * commands. Only what the walkthrough uses is understood; anything else is an error, so a README change
 * the test cannot follow fails loudly instead of being skipped.
 */
export function shellCommands(block: string): ShellCommand[] {
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  const commands: ShellCommand[] = [];
  for (const raw of lines) {
    const words = splitWords(raw);
    if (words.length === 0) continue;
    let current: string[] = [];
    const flush = () => {
      if (current.length > 0) commands.push(toCommand(current, raw.trim()));
      current = [];
    };
    for (const w of words) {
      if (w === '&&') flush();
      else current.push(w);
    }
    flush();
  }
  return commands;
}

function toCommand(words: string[], text: string): ShellCommand {
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name = '', ...value] = (words.shift() ?? '').split('=');
    env[name] = value.join('=');
  }
  const redirect = words.indexOf('>');
  const command: ShellCommand = { env, argv: redirect >= 0 ? words.slice(0, redirect) : words, text };
  if (redirect >= 0) {
    const target = words[redirect + 1];
    if (!target || words.length !== redirect + 2) throw new Error(`cannot follow the redirect in: ${text}`);
    command.stdoutTo = target;
  }
  return command;
}

/**
 * Words of one line: quotes group, `#` at a word start begins a comment. No expansions are done: a
 * `"$VARIABLE"` stays as written (awsCliToSdk knows the one the walkthrough uses).
 */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i] ?? '';
    if (quote) {
      if (c === quote) quote = undefined;
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else if (c === '$' || c === '`' || c === '|' || c === ';')
      throw new Error(`unsupported shell syntax in: ${line}`);
    else word = (word ?? '') + c;
  }
  if (quote) throw new Error(`unclosed quote in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

const pascal = (kebab: string) => kebab.replace(/(^|-)([a-z])/g, (_, _d, c: string) => c.toUpperCase());
/** CloudWatch parameters that are numbers, and lists of structures in shorthand (`Name=a,Value=b`). */
const NUMBERS = new Set(['Period', 'EvaluationPeriods', 'Threshold', 'DatapointsToAlarm']);
const STRUCTURE_LISTS = new Set(['Dimensions']);

/**
 * `aws cloudwatch <operation> --kebab-name value ...` as the SDK command the AWS CLI would send (the
 * stock CLI is not on every machine; `npm run smoke:aws-cli` drives the stack with the real one).
 */
export function awsCliToSdk(argv: readonly string[]) {
  // `--endpoint-url "$AWS_ENDPOINT_URL_CLOUDWATCH"`: the stack's endpoint, which the SDK client here uses.
  const words = [...argv];
  const at = words.indexOf('--endpoint-url');
  if (at >= 0) {
    if (words[at + 1] !== '$AWS_ENDPOINT_URL_CLOUDWATCH')
      throw new Error(`--endpoint-url must be "$AWS_ENDPOINT_URL_CLOUDWATCH" in: ${argv.join(' ')}`);
    words.splice(at, 2);
  }
  const [aws, service, operation = '', ...rest] = words;
  if (aws !== 'aws' || service !== 'cloudwatch')
    throw new Error(`only \`aws cloudwatch ...\` is translated, not: ${argv.join(' ')}`);
  const name = `${pascal(operation)}Command`;
  const Command = (cloudWatch as unknown as Record<string, new (input: object) => object>)[name];
  if (!Command) throw new Error(`no CloudWatch operation ${operation}`);
  const input: Record<string, unknown> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? '';
    const value = rest[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`cannot read ${flag} in ${operation}`);
    const key = pascal(flag.slice(2));
    if (NUMBERS.has(key)) input[key] = Number(value);
    else if (STRUCTURE_LISTS.has(key))
      input[key] = [Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]))];
    else input[key] = value;
  }
  return new Command(input);
}
