import type { ResolvedPlan } from './plan';
import type { DocumentPolicy } from './policy';

/**
 * Job documents are run by devices: a URL in one is where a device fetches code from. Every URL in
 * the document, and the document's own source, must be on the allow-list of config/rollout-policy.yml:
 * an allowed scheme, and an allowed S3 bucket or host. URLs are found anywhere in a string (a shell
 * command can carry one), and the presigned-URL placeholder AWS IoT fills in
 * (`${aws:iot:s3-presigned-url:https://s3.amazonaws.com/<bucket>/<key>}`) must name an allowed bucket.
 */

const PRESIGNED = /\$\{aws:iot:s3-presigned-url:([^}]*)\}/g;
/** `file:` needs no `//` to reach a device's disk. */
const FILE_URL = /\bfile:[^\s"'<>`]*/gi;
// Virtual-hosted (`<bucket>.s3[.-<region>].amazonaws.com`) or path-style (`s3[.-<region>].amazonaws.com/<bucket>`).
const S3_HOST = /^(?:(.+)\.)?s3(?:[.-][a-z0-9]+)*\.amazonaws\.com(?:\.cn)?$/;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const URL_END = /[\s"'<>`{}|\\^]/;
const MAX_ISSUES = 10;

/** The S3 bucket a URL points to, or undefined when it is not an S3 URL. */
function s3BucketOf(url: URL): string | undefined {
  const host = url.hostname.toLowerCase();
  if (url.protocol === 's3:') return host;
  const match = S3_HOST.exec(host);
  if (!match) return undefined;
  if (match[1]) return match[1];
  const first = url.pathname.split('/')[1];
  return first ? decodeURIComponent(first).toLowerCase() : '';
}

function urlProblem(text: string, policy: DocumentPolicy, presigned: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text.slice(0, 100))} is not a valid URL`;
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const shown = JSON.stringify(`${url.protocol}//${url.host}${url.pathname}`.slice(0, 120));
  if (presigned ? scheme !== 'https' : !policy.schemes.includes(scheme))
    return `${shown}: scheme ${scheme} is not allowed (allowed: ${presigned ? 'https' : policy.schemes.join(', ')})`;
  if (url.username || url.password) return `${shown}: credentials in a URL are not allowed`;
  const bucket = s3BucketOf(url);
  if (bucket !== undefined) {
    return policy.buckets.includes(bucket)
      ? undefined
      : `${shown}: S3 bucket ${JSON.stringify(bucket)} is not allowed (allowed: ${policy.buckets.join(', ') || 'none'})`;
  }
  if (presigned) return `${shown}: a presigned-URL placeholder must name an S3 object`;
  const host = url.hostname.toLowerCase();
  return policy.hosts.includes(host)
    ? undefined
    : `${shown}: host ${host} is not allowed (allowed: S3 buckets ${policy.buckets.join(', ') || 'none'}${policy.hosts.length ? `; hosts ${policy.hosts.join(', ')}` : ''})`;
}

/** Every `scheme://...` in a text, found from each `://` (linear: no regex backtracks over the text). */
function urlsIn(text: string): string[] {
  const urls: string[] = [];
  let at = text.indexOf('://');
  while (at !== -1) {
    let start = at;
    while (start > 0 && SCHEME_CHAR.test(text[start - 1] ?? '')) start -= 1;
    while (start < at && !/[a-z]/i.test(text[start] ?? '')) start += 1;
    let end = at + 3;
    while (end < text.length && !URL_END.test(text[end] ?? '')) end += 1;
    urls.push(text.slice(start, end));
    at = text.indexOf('://', end);
  }
  return urls;
}

/** Problems with the URLs in one string. */
function stringProblems(value: string, policy: DocumentPolicy): string[] {
  const problems: string[] = [];
  for (const match of value.matchAll(PRESIGNED)) {
    const problem = urlProblem(match[1] ?? '', policy, true);
    if (problem) problems.push(problem);
  }
  const rest = value.replace(PRESIGNED, ' ');
  for (const url of urlsIn(rest)) {
    const problem = urlProblem(url, policy, false);
    if (problem) problems.push(problem);
  }
  for (const match of rest.matchAll(FILE_URL)) {
    if (!policy.schemes.includes('file'))
      problems.push(`${JSON.stringify(match[0].slice(0, 100))}: scheme file is not allowed`);
  }
  return problems;
}

/**
 * Every URL problem of the plan's document and document source, each naming its field
 * (`document.files[0].url: ...`, `documentSource: ...`). Walks iteratively: deep input cannot
 * overflow the stack (the document's depth is bounded by plan-document.ts anyway).
 */
export function documentUrlIssues(plan: ResolvedPlan, policy: DocumentPolicy): string[] {
  const issues: string[] = [];
  if (plan.documentSource !== undefined) {
    const bucket = plan.documentSource.slice('s3://'.length).split('/')[0] ?? '';
    if (!policy.buckets.includes(bucket))
      issues.push(
        `documentSource: S3 bucket ${JSON.stringify(bucket)} is not allowed (allowed: ${policy.buckets.join(', ') || 'none'}; config/rollout-policy.yml)`,
      );
  }
  const stack: { value: unknown; path: string }[] =
    plan.document === undefined ? [] : [{ value: plan.document, path: 'document' }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      for (const problem of stringProblems(value, policy)) issues.push(`${path}: ${problem}`);
    } else if (Array.isArray(value)) {
      value.forEach((child, i) => {
        stack.push({ value: child, path: `${path}[${i}]`.slice(0, 200) });
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        // A key is text a device may read too.
        for (const problem of stringProblems(key, policy)) issues.push(`${path} (a key): ${problem}`);
        stack.push({ value: child, path: `${path}.${key}`.slice(0, 200) });
      }
    }
  }
  return issues.slice(0, MAX_ISSUES);
}
