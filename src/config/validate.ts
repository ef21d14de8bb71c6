/**
 * Shared plumbing for the YAML files the gateway reads at start-up (the configuration and the
 * tables in `mappings/`): YAML parsing with line positions, and zod issues turned into one
 * `InputError` that names the exact path (`sip.lsiten: unknown key`,
 * `reasons.yaml.toSip[3].sip: not a 4xx–6xx code`).
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError, type InputDomain } from '../errors';

/** `a.b[3].c` from a zod path; `prefix` (a file name) goes in front. */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The first issue of a failed parse as an InputError (`<path>: <detail>`). */
export function issueToError(domain: InputDomain, prefix: string, error: z.ZodError): InputError {
  // An unknown key is usually a typo and the root cause of a "missing" one: report it first.
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  if (issue === undefined) return new InputError(domain, prefix || '(root)', 'invalid');
  if (issue.code === 'unrecognized_keys') {
    return new InputError(domain, formatPath(prefix, [...issue.path, issue.keys[0] ?? '?']), 'unknown key');
  }
  let detail = issue.message;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) detail = 'missing';
  else if (issue.code === 'invalid_type') detail = issue.message.replace(/^Invalid input: /, '');
  return new InputError(domain, formatPath(prefix, issue.path) || '(root)', detail);
}

/**
 * Parses YAML text into plain data. Syntax errors, duplicate keys included (yaml's default
 * `uniqueKeys`), name the source and line.
 */
export function parseYamlText(domain: InputDomain, text: string, source: string): unknown {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0].line;
    // With prettyErrors (the default) the message ends in a context snippet: keep its first line.
    const message = err.message.split('\n')[0] ?? err.message;
    throw new InputError(domain, line === undefined ? source : `${source} line ${line}`, message);
  }
  // Aliases are not needed in any of our files; refusing them rules out alias bombs.
  try {
    return doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    throw new InputError(domain, source, `cannot use YAML aliases: ${(e as Error).message}`);
  }
}

/** `schema.parse` with the first issue thrown as an InputError. */
export function validate<S extends z.ZodType>(
  domain: InputDomain,
  prefix: string,
  schema: S,
  data: unknown,
): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw issueToError(domain, prefix, result.error);
  return result.data;
}
