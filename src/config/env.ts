/**
 * Secrets from the environment: a deployment keeps passwords out of the configuration file
 * (a container secret, a systemd `EnvironmentFile=`) and the file names only who they belong to.
 *
 *   JSG_XMPP_SECRET               → xmpp.secret
 *   JSG_TRUNK_<NAME>_PASSWORD     → sip.trunks[name = NAME].password
 *   JSG_INBOUND_<USER>_PASSWORD   → sip.inboundAuth.users.<USER>
 *
 * NAME and USER are the trunk name and user name upper-cased, every character other than A–Z
 * and 0–9 turned into `_` ({@link envName}). They are applied to the parsed YAML data before
 * validation, so a file may leave a trunk's `password` out. A variable that names no trunk or
 * user of the file is an error: a typo must not leave the file's password in use unnoticed.
 * Pure: the environment comes in as a plain record.
 */
import { InputError } from '../errors';

export const ENV_XMPP_SECRET = 'JSG_XMPP_SECRET';
const TRUNK = /^JSG_TRUNK_(.+)_PASSWORD$/;
const INBOUND = /^JSG_INBOUND_(.+)_PASSWORD$/;

export type Env = Readonly<Record<string, string | undefined>>;

/** `carrier-1.example` → `CARRIER_1_EXAMPLE`: the part of a variable name that stands for a name. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function trunkPasswordVar(trunk: string): string {
  return `JSG_TRUNK_${envName(trunk)}_PASSWORD`;
}

export function inboundPasswordVar(user: string): string {
  return `JSG_INBOUND_${envName(user)}_PASSWORD`;
}

export interface EnvOverrides {
  /** The data with the overrides applied (a copy where anything changed). */
  data: unknown;
  /** The variables used, by name (never their values). */
  applied: string[];
  errors: InputError[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function envError(variable: string, detail: string): InputError {
  return new InputError('config', `environment ${variable}`, detail);
}

/**
 * Applies the `JSG_*` secret variables of `env` to configuration data (as parsed from YAML, not
 * yet validated). Errors name the variable; the caller names the file.
 */
export function applyEnvOverrides(data: unknown, env: Env): EnvOverrides {
  const applied: string[] = [];
  const errors: InputError[] = [];
  const names = Object.keys(env)
    .filter((k) => k.startsWith('JSG_') && env[k] !== undefined)
    .sort();
  if (names.length === 0 || !isRecord(data)) return { data, applied, errors };

  const out: Record<string, unknown> = { ...data };
  const sip = isRecord(out.sip) ? { ...out.sip } : undefined;
  const trunks = sip && Array.isArray(sip.trunks) ? [...(sip.trunks as unknown[])] : undefined;
  const auth = sip && isRecord(sip.inboundAuth) ? { ...sip.inboundAuth } : undefined;
  const users = auth && isRecord(auth.users) ? { ...auth.users } : undefined;

  for (const variable of names) {
    const value = env[variable] as string;
    const trunk = TRUNK.exec(variable);
    const inbound = INBOUND.exec(variable);
    if (variable !== ENV_XMPP_SECRET && !trunk && !inbound) continue; // not ours to judge
    if (value === '') {
      errors.push(envError(variable, 'empty'));
      continue;
    }
    if (variable === ENV_XMPP_SECRET) {
      if (!isRecord(out.xmpp)) {
        errors.push(envError(variable, 'the file has no xmpp section'));
        continue;
      }
      out.xmpp = { ...out.xmpp, secret: value };
      applied.push(variable);
    } else if (trunk) {
      const matches = (trunks ?? []).flatMap((t, i) =>
        isRecord(t) && typeof t.name === 'string' && trunkPasswordVar(t.name) === variable ? [i] : [],
      );
      if (matches.length !== 1) {
        const known = (trunks ?? []).flatMap((t) =>
          isRecord(t) && typeof t.name === 'string' ? [trunkPasswordVar(t.name)] : [],
        );
        errors.push(
          envError(
            variable,
            matches.length === 0
              ? `no trunk in sip.trunks has this name (${known.length > 0 ? `expected one of ${known.join(', ')}` : 'sip.trunks is empty'})`
              : `names ${matches.length} trunks (sip.trunks[${matches.join('], [')}])`,
          ),
        );
        continue;
      }
      const i = matches[0] as number;
      (trunks as unknown[])[i] = { ...(trunks as Array<Record<string, unknown>>)[i], password: value };
      applied.push(variable);
    } else {
      const matches = Object.keys(users ?? {}).filter((u) => inboundPasswordVar(u) === variable);
      if (matches.length !== 1) {
        const known = Object.keys(users ?? {}).map(inboundPasswordVar);
        errors.push(
          envError(
            variable,
            matches.length === 0
              ? `no user in sip.inboundAuth.users has this name (${known.length > 0 ? `expected one of ${known.join(', ')}` : 'there are none'})`
              : `names ${matches.length} users (${matches.join(', ')})`,
          ),
        );
        continue;
      }
      (users as Record<string, unknown>)[matches[0] as string] = value;
      applied.push(variable);
    }
  }
  if (sip) {
    if (trunks) sip.trunks = trunks;
    if (auth && users) auth.users = users;
    if (auth) sip.inboundAuth = auth;
    out.sip = sip;
  }
  return { data: out, applied, errors };
}

/**
 * The variable that can give the value at `path` of the configuration data, for an error that
 * says it is missing: `JSG_TRUNK_CARRIER_PASSWORD` for `sip.trunks[0].password`.
 */
export function envVariableFor(path: readonly PropertyKey[], data: unknown): string | undefined {
  const [a, b, c, d] = path;
  if (path.length === 2 && a === 'xmpp' && b === 'secret') return ENV_XMPP_SECRET;
  if (path.length === 4 && a === 'sip' && b === 'trunks' && typeof c === 'number' && d === 'password') {
    const trunks = isRecord(data) && isRecord(data.sip) ? data.sip.trunks : undefined;
    const trunk: unknown = Array.isArray(trunks) ? trunks[c] : undefined;
    return isRecord(trunk) && typeof trunk.name === 'string' ? trunkPasswordVar(trunk.name) : undefined;
  }
  if (path.length === 4 && a === 'sip' && b === 'inboundAuth' && c === 'users' && typeof d === 'string')
    return inboundPasswordVar(d);
  return undefined;
}
