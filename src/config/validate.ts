/**
 * Shared plumbing for the YAML files the gateway reads at start-up (the configuration and the
 * tables in `mappings/`): YAML parsing with line positions, and zod issues turned into one
 * `InputError` that names the exact path (`sip.lsiten: unknown key`,
 * `reasons.yaml.toSip[3].sip: not a 4xx–6xx code`).
 */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
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

/** One zod issue located: its path (an unknown key's path ends in the key) and its InputError. */
export interface LocatedIssue {
  path: PropertyKey[];
  error: InputError;
  unknownKey: boolean;
}

/** Every issue of a failed parse, in zod's order; an issue naming several unknown keys gives one each. */
export function locateIssues(domain: InputDomain, prefix: string, error: z.ZodError): LocatedIssue[] {
  const out: LocatedIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({
          path,
          error: new InputError(domain, formatPath(prefix, path), 'unknown key'),
          unknownKey: true,
        });
      }
      continue;
    }
    let detail = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) detail = 'missing';
    else if (issue.code === 'invalid_type') detail = issue.message.replace(/^Invalid input: /, '');
    out.push({
      path: [...issue.path],
      error: new InputError(domain, formatPath(prefix, issue.path) || '(root)', detail),
      unknownKey: false,
    });
  }
  return out;
}

/** Every issue of a failed parse as an InputError (`<path>: <detail>`), for `check-config`. */
export function issuesToErrors(domain: InputDomain, prefix: string, error: z.ZodError): InputError[] {
  return locateIssues(domain, prefix, error).map((i) => i.error);
}

/** The first issue of a failed parse as an InputError (`<path>: <detail>`). */
export function issueToError(domain: InputDomain, prefix: string, error: z.ZodError): InputError {
  const all = locateIssues(domain, prefix, error);
  // An unknown key is usually a typo and the root cause of a "missing" one: report it first.
  const first = all.find((i) => i.unknownKey) ?? all[0];
  return first?.error ?? new InputError(domain, prefix || '(root)', 'invalid');
}

/** A YAML syntax error: its line (1-based) when known, and yaml's message. */
export interface YamlSyntaxError {
  line?: number;
  message: string;
}

/** A parsed YAML file: its data when there was no syntax error, and where each node is. */
export interface YamlFile {
  data?: unknown;
  doc: Document;
  lines: LineCounter;
  /** Every syntax error; empty when `data` is set. */
  syntax: YamlSyntaxError[];
}

/**
 * Parses YAML text, keeping every syntax error (duplicate keys included, yaml's default
 * `uniqueKeys`) with its line.
 */
export function parseYamlFile(text: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const syntax = doc.errors.map((err): YamlSyntaxError => {
    const pos = err.linePos?.[0];
    // With prettyErrors (the default) the message ends in ` at line L, column C:` and a context
    // snippet: keep the message, and the column in words.
    const first = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    if (pos === undefined) return { message: first };
    return { line: pos.line, message: `${first} (column ${pos.col})` };
  });
  if (syntax.length > 0) return { doc, lines, syntax };
  // Aliases are not needed in any of our files; refusing them rules out alias bombs.
  try {
    return { data: doc.toJS({ maxAliasCount: 0 }), doc, lines, syntax };
  } catch (e) {
    return { doc, lines, syntax: [{ message: `cannot use YAML aliases: ${(e as Error).message}` }] };
  }
}

/** A syntax error as an InputError: `<source> line N: <message>`. */
export function syntaxError(domain: InputDomain, source: string, e: YamlSyntaxError): InputError {
  return new InputError(domain, e.line === undefined ? source : `${source} line ${e.line}`, e.message);
}

/**
 * The line (1-based) of the key at `path` (of the item, for a sequence index), or of the
 * nearest ancestor's key when the file does not have it (a missing key: its parent's line).
 */
export function lineOf(file: YamlFile, path: readonly PropertyKey[]): number | undefined {
  const lineAt = (n: unknown): number | undefined =>
    isNode(n) && n.range ? file.lines.linePos(n.range[0]).line : undefined;
  let node: unknown = file.doc.contents;
  let line = path.length === 0 ? lineAt(node) : undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(part));
      if (pair === undefined) break;
      line = lineAt(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item: unknown = node.items[part];
      if (item === undefined) break;
      line = lineAt(item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

/** Parses YAML text into plain data; the first syntax error is thrown, naming the source and line. */
export function parseYamlText(domain: InputDomain, text: string, source: string): unknown {
  const file = parseYamlFile(text);
  if (file.syntax[0] !== undefined) throw syntaxError(domain, source, file.syntax[0]);
  return file.data;
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
