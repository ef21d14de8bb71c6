/**
 * sdp-transform's parser (lib/parser.js `parse`), fed one line at a time by parseSdp's own pass,
 * so the text is split and walked once. It builds exactly the object sdp-transform builds, with
 * the same grammar and regular expressions; only the search for the matching rule is faster: an
 * `a=` line is tried against the rules whose regular expression can match a value starting with
 * its attribute name (found once per name) instead of against all of them in turn.
 */
import * as sdpTransform from 'sdp-transform';

type Loose = Record<string, unknown>;

/** One entry of sdp-transform's grammar (lib/grammar.js), as its parser reads it. */
interface GrammarRule {
  name?: string;
  push?: string;
  names?: string[];
  reg: RegExp;
}

const grammar = (sdpTransform as unknown as { grammar: Record<string, GrammarRule[]> }).grammar;
const aRules: GrammarRule[] = grammar.a ?? [];

/**
 * The literal text every match of `re` starts with ('' when unsure): `^rtpmap:(\d*)…` gives
 * `rtpmap:`, `^(rtcp-mux)` gives `rtcp-mux`, `^(sendrecv|recvonly|…)` gives ''.
 */
function literalPrefix(re: RegExp): string {
  let s = re.source;
  if (re.flags.includes('i') || s[0] !== '^') return '';
  // A top-level alternative could match anything.
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return '';
  }
  s = s.slice(1);
  if (s[0] === '(' && s[1] !== '?') s = s.slice(1);
  let out = '';
  for (const c of s) {
    if ('*+?{'.includes(c)) return out.slice(0, -1); // the last character is optional
    if (c === '|') return '';
    if ('\\()[].$^'.includes(c)) return out;
    out += c;
  }
  return out;
}

const aPrefixes = aRules.map((r) => literalPrefix(r.reg));

/** Rules that may match an `a=` value, by `<name>:` (or the whole value when it has no colon). */
const candidatesByKey = new Map<string, GrammarRule[]>();
const MAX_CACHED_KEYS = 512;

function candidatesFor(key: string): GrammarRule[] {
  let rules = candidatesByKey.get(key);
  if (rules === undefined) {
    rules = aRules.filter((_, i) => key.startsWith(aPrefixes[i] as string));
    if (candidatesByKey.size < MAX_CACHED_KEYS) candidatesByKey.set(key, rules);
  }
  return rules;
}

/**
 * sdp-transform's toIntIfInt: `String(Number(v)) === v ? Number(v) : v`, with fast answers for
 * short plain integers and for values that cannot be the text of a number (which starts with a
 * digit, `-`, `N` of NaN or `I` of Infinity).
 */
function toIntIfInt(v: string): string | number {
  const n = v.length;
  if (n === 0) return v;
  const c = v.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    if (n <= 15 && (c !== 48 || n === 1)) {
      let i = 1;
      while (i < n) {
        const d = v.charCodeAt(i);
        if (d < 48 || d > 57) break;
        i++;
      }
      if (i === n) return Number(v);
    }
  } else if (c !== 45 /* - */ && c !== 78 /* N */ && c !== 73 /* I */) {
    return v;
  }
  return String(Number(v)) === v ? Number(v) : v;
}

/** sdp-transform's parseReg with the match already made. */
function parseReg(obj: GrammarRule, location: Loose, match: RegExpExecArray): void {
  const { name, push, names } = obj;
  const needsBlank = name && names;
  if (push && !location[push]) location[push] = [];
  else if (needsBlank && !location[name]) location[name] = {};
  const keyLocation: Loose = push ? {} : needsBlank ? (location[name] as Loose) : location;
  if (name && !names) {
    keyLocation[name] = toIntIfInt(match[1] as string);
  } else if (names) {
    for (let i = 0; i < names.length; i++) {
      const v = match[i + 1];
      if (v != null) keyLocation[names[i] as string] = toIntIfInt(v);
    }
  }
  if (push) (location[push] as Loose[]).push(keyLocation);
}

export class TransformParser {
  readonly session: Loose = {};
  private readonly media: Loose[] = [];
  private location: Loose = this.session;

  /**
   * One line `<type>=<content>`; `attributeKey` for `a=` lines is `<name>:` (or the whole value
   * when it has no colon).
   */
  line(type: string, content: string, attributeKey?: string): void {
    if (type === 'm') {
      this.location = { rtp: [], fmtp: [] };
      this.media.push(this.location);
    }
    const rules = type === 'a' ? candidatesFor(attributeKey ?? content) : grammar[type];
    if (rules === undefined) return;
    for (const rule of rules) {
      const match = rule.reg.exec(content);
      if (match) {
        parseReg(rule, this.location, match);
        return;
      }
    }
  }

  /** The session description, as sdp-transform's `parse` returns it. */
  finish(): sdpTransform.SessionDescription {
    this.session.media = this.media;
    return this.session as unknown as sdpTransform.SessionDescription;
  }
}
