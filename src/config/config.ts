/**
 * The gateway configuration: one YAML file, validated with zod, optional keys defaulted.
 * `config/default.yaml` is the shipped default and what {@link defaultConfig} returns. Every
 * error is `InputError('config', <path>, <detail>)`, e.g. `sip.lsiten: unknown key`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors';
import { splitSipUri, type FromStyle } from '../translate/address';
import { isHost, isUnspecified, parseCidr, parseHostPort, parseListenUri } from './net';
import { numberRuleSchema } from './mapping-schemas';
import { applyEnvOverrides, type Env } from './env';
import { parseYamlText, validate } from './validate';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface TrunkConfig {
  name: string;
  /** host or host:port whose requests use these credentials. */
  host: string;
  realm?: string;
  username: string;
  password: string;
  /** Media policy for calls whose Request-URI host is this trunk's host. */
  media?: MediaPolicyConfig;
  /**
   * Whether a 183 with SDP from this host is early media for the XMPP caller (docs/media.md
   * §Early media). Default true.
   */
  earlyMedia?: boolean;
  /**
   * Whether `sip.trunkKeepalive` probes this trunk's host with OPTIONS (docs/policy.md §Trunk
   * keep-alive). Default true; false for a trunk that ignores OPTIONS, which would look down.
   */
  keepalive?: boolean;
  register?: {
    registrar: string;
    aor: string;
    /** Seconds asked for. Default 3600. */
    expires?: number;
    /** Back-off after a failure: base·2^(n−1), capped, with jitter. Defaults 30 s and 1800 s. */
    retryBaseSeconds?: number;
    retryMaxSeconds?: number;
  };
}

/** How a call's media is anchored (docs/media.md §Modes). */
export type AnchorMode = 'auto' | 'always' | 'never';
/**
 * What an XMPP-originated call offers the SIP peer when media is anchored (docs/media.md §Profiles):
 * the Jingle offer's security (`as-offered`), DTLS-SRTP, SDES-SRTP, plain RTP, or plain RTP with
 * an RFC 5939 potential DTLS configuration (`capneg`).
 */
export type OfferProfile = 'as-offered' | 'dtls' | 'sdes' | 'rtp' | 'capneg';
export const OFFER_PROFILES: readonly OfferProfile[] = ['as-offered', 'dtls', 'sdes', 'rtp', 'capneg'];

/** What a SIP peer is declared to do: with both, media can stay end to end with XMPP clients. */
export interface PeerMedia {
  ice: boolean;
  dtls: boolean;
}

/** Media settings that a trunk may override. */
export interface MediaPolicyConfig {
  anchor?: AnchorMode;
  peer?: PeerMedia;
  /** Profiles offered in turn; the next one after a 488/415/606. */
  offer?: OfferProfile[];
}

/** docs/policy.md: who may call what. */
export interface PolicyConfig {
  /**
   * Hosts a callee JID may name directly (`alice\\40pbx.example.org@gw`): `host`, `host:port` or
   * `*.domain`. Default none: no XMPP user makes the gateway call an arbitrary SIP host.
   */
  sipHosts: string[];
  /** Number rules that win over mappings/policy.yaml's deny rules. */
  allowNumbers: Array<{ match: RegExp; why: string }>;
  /**
   * Which XMPP users may call which numbers: the first rule whose `from` matches the caller
   * applies. Empty (the default): every user of `xmpp.allowedDomains` may call any number not
   * denied. Not empty: a caller no rule matches may not call.
   */
  callers: CallerRule[];
  /**
   * Which SIP sources may ring which XMPP users: the first rule whose `from` holds the INVITE's
   * source address applies. A source no rule matches rings any user the routing gives.
   */
  sources: SourceRule[];
}

/** docs/policy.md §Callers. */
export interface CallerRule {
  /** `*`, a domain (`example.net`, `*.example.net`) or a bare JID (`alice@example.net`). */
  from: string;
  /** The numbers they may call (regular expressions); absent: any number not denied. */
  numbers?: RegExp[];
  /** Number rules that open mappings/policy.yaml's deny rules for these callers only. */
  allowNumbers?: Array<{ match: RegExp; why: string }>;
}

/** docs/policy.md §Sources. */
export interface SourceRule {
  /** CIDR blocks (or addresses) of the SIP sources. */
  from: string[];
  /** The XMPP users they may ring: bare JIDs or domains (`example.net`, `*.example.net`). */
  jids: string[];
}

/** docs/policy.md §Inbound: which XMPP user a SIP call rings. */
export interface RoutingConfig {
  /**
   * Tried in order on the user part of the Request-URI, then of the To URI (a number after E.164
   * normalisation, else as written); the first match rings `jid`.
   */
  inbound: Array<{ match: RegExp; jid: string }>;
  /**
   * XMPP → SIP number routes, tried before mappings/address-rules.yaml's: the first whose `match`
   * (on the E.164-normalised number) matches sends the call to `trunk`, after `strip`/`prepend`.
   * `media` overrides the media policy for calls to the trunk's host.
   */
  outbound: Array<{
    match: RegExp;
    trunk: string;
    strip: number;
    prepend: string;
    media?: MediaPolicyConfig;
    /** Early media for calls to the trunk's host (docs/media.md §Early media); default true. */
    earlyMedia?: boolean;
  }>;
  /** A call no rule matched: `map` it by address (sip:alice@<our host> → alice@defaultDomain), or `reject` it (404). */
  unmatched: 'map' | 'reject';
}

/** docs/policy.md §Limits: over a limit, calls are refused, never queued. */
export interface LimitsConfig {
  /** Live calls at once: in all, per XMPP user (bare JID), per SIP source address. */
  calls: number;
  callsPerUser: number;
  callsPerSource: number;
  /** New calls per second (token buckets; a burst of twice the rate). */
  attemptsPerSecond: number;
  attemptsPerSecondPerUser: number;
  attemptsPerSecondPerSource: number;
}

export interface ConnectionsConfig {
  /** Inbound connections open at once, in all, and from one source IP address; beyond: closed at once. */
  max: number;
  maxPerSource: number;
  /** A connection with no SIP message either way for this long, and no live dialog, is closed. */
  idleSeconds: number;
  /** A message must be complete (headers and body) within this long of its first byte. */
  messageTimeoutMs: number;
}

/**
 * docs/operations.md: the HTTP server with /health, /metrics, /calls and the status page.
 * Absent: no server. Its pages show who calls whom: keep it on a loopback address or behind an
 * authenticating proxy.
 */
export interface HttpConfig {
  /** `address:port` (IPv6 in brackets); port 0 picks a free one. */
  listen: string;
  /** Calls whose ladders are kept, live and ended together. Default 50. */
  recentCalls: number;
  /** Messages kept per call (the first half, and the latest). Default 200. */
  messagesPerCall: number;
  /** Characters kept of one message. Default 8192. */
  messageBytes: number;
}

export interface GatewayConfig {
  xmpp: {
    /** The XMPP server's component endpoint (XEP-0114), `xmpp://host:port`. */
    service: string;
    /** The gateway's JID domain. */
    domain: string;
    secret: string;
    /** XMPP domain for plain SIP users at our own host. Default `localhost`. */
    defaultDomain: string;
    /** Resource of the gateway's full JIDs. Default `sip`. */
    resource: string;
    // The keys below are optional (no schema default, so a minimal file parses to the same
    // object); src/xmpp/connection/options.ts resolves them.
    /** XMPP domains whose users may place calls through the gateway. Default `[defaultDomain]`. */
    allowedDomains?: string[];
    /** Reconnect backoff with jitter. Default 200 ms, doubling up to 30000 ms. */
    reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
    /**
     * XEP-0199 ping to the server, to notice a dead connection. `intervalSeconds: 0` turns it off.
     * Default every 30 s, 10 s timeout, sent to `defaultDomain`.
     */
    keepalive?: { intervalSeconds?: number; timeoutSeconds?: number; target?: string };
    /** How long an IQ the gateway sends waits for its answer. Default 10. */
    iqTimeoutSeconds?: number;
    /** Log every stanza in and out at debug level, with the handshake masked. Default false. */
    debugWire?: boolean;
  };
  sip: {
    /** `udp|tcp|tls://host:port` (IPv6 in brackets); see `parseListenUri` in ./net. */
    listen: string[];
    /** Where XMPP-originated calls go: a sip:/sips: URI. */
    outbound: string;
    /** CIDR blocks (or bare addresses) allowed to send INVITEs without a challenge. Default none. */
    trusted: string[];
    /** Host written in Via/Contact/From. Default: the first listen address's host. */
    host: string;
    /** Overrides `fromStyle` of mappings/address-rules.yaml when set. */
    fromStyle?: FromStyle;
    userAgent: string;
    /** Certificate and key (PEM files) for tls:// listen addresses; `ca` to verify TLS peers with. */
    tls?: { cert: string; key: string; ca?: string; verifyPeer?: boolean };
    /** SIP trunks: digest credentials answering 401/407, and optional upstream registration. */
    trunks?: TrunkConfig[];
    /** Untrusted sources may still call after a digest challenge with these credentials. */
    inboundAuth?: { realm: string; users: Record<string, string> };
    /** Out-of-dialog requests are sent through this proxy (a loose Route). */
    outboundProxy?: string;
    /**
     * RFC 4028 session interval in seconds (0: none), asked for on outgoing INVITEs and offered
     * (or reduced to) in the 2xx to INVITEs that support timers. Default 1800 (docs/policy.md
     * §Dead peers).
     */
    sessionExpires?: number;
    /**
     * In-dialog OPTIONS to the peer of each established call after `intervalSeconds` without a
     * word from it (0: off); no answer within `timeoutSeconds`, or 481 and the other RFC 5057
     * dialog-destroying answers, end the call. Defaults 30 and 32 (docs/policy.md §Dead peers).
     */
    keepalive: { intervalSeconds: number; timeoutSeconds: number };
    /**
     * Out-of-dialog OPTIONS to `outbound`, `outboundProxy` and each trunk host at start and
     * `intervalSeconds` after each verdict (0: off); any answer means up, none within
     * `timeoutSeconds` down, and a call to a peer that is down is refused at once instead of
     * after the INVITE's 32 s. Defaults 30 and 32 (docs/policy.md §Trunk keep-alive).
     */
    trunkKeepalive: { intervalSeconds: number; timeoutSeconds: number };
    /** Largest SIP message accepted, in bytes (default 65536). */
    maxMessageBytes?: number;
    /** TCP/TLS connections: caps on inbound ones, idle and per-message timeouts (docs/policy.md §Connections). */
    connections: ConnectionsConfig;
  };
  calls: {
    /** How long to gather candidates before sending an INVITE without trickle. Default 200. */
    gatherWindowMs: number;
    /** An unanswered call ends after this long. Default 60. */
    noAnswerSeconds: number;
    /**
     * SIGTERM: how long live calls may go on while no new one is taken, before the rest are
     * ended on both legs (docs/operations.md §Stopping). Default 30; SIGINT and a second signal
     * end them at once.
     */
    drainSeconds: number;
  };
  policy: PolicyConfig;
  routing: RoutingConfig;
  limits: LimitsConfig;
  media: {
    /** rtpengine's ng control address, `udp://host:port`; absent: no anchoring. */
    rtpengine?: string;
    anchor: AnchorMode;
    /** What SIP peers are declared to do, unless a trunk says otherwise. Default: neither. */
    peer?: PeerMedia;
    /** Default `['as-offered']`. */
    offer: OfferProfile[];
    /** ng request timeout per try, and tries after the first. Defaults 500 ms and 2. */
    timeoutMs: number;
    retries: number;
    /**
     * Every `checkSeconds` (0: off) each established anchored call is asked for (ng `query`): a
     * call rtpengine no longer has, or a side that sent nothing for `silenceSeconds`, is ended.
     * Defaults 15 and 45 (docs/policy.md §Dead peers).
     */
    checkSeconds: number;
    silenceSeconds: number;
  };
  log: {
    level: LogLevel;
    /** `json`: one JSON object a line; `text`: for people; `auto` (default): text on a terminal. */
    format: LogFormat;
    /** Log every SIP message and XMPP stanza, secrets masked (src/log/mask.ts). Default false. */
    trace: boolean;
  };
  http?: HttpConfig;
}

const domainName = z.string().refine(isHost, 'not a host name or IP address');
const headerSafe = /^[^\r\n\u0000]*$/;

const sipUri = z.string().refine((s) => {
  try {
    return splitSipUri(s).scheme !== 'tel';
  } catch {
    return false;
  }
}, 'not a sip: or sips: URI');

const peerSchema = z.strictObject({ ice: z.boolean(), dtls: z.boolean() });
const anchorSchema = z.enum(['auto', 'always', 'never']);
const offerSchema = z
  .array(z.enum(OFFER_PROFILES as [OfferProfile, ...OfferProfile[]]))
  .min(1, 'at least one profile')
  .refine((a) => new Set(a).size === a.length, 'a profile is listed twice');
const mediaPolicySchema = z.strictObject({
  anchor: anchorSchema.optional(),
  peer: peerSchema.optional(),
  offer: offerSchema.optional(),
});

/** `udp://host:port` (IPv6 in brackets): the ng protocol runs over UDP only. */
export function parseNgUri(s: string): { host: string; port: number } | undefined {
  const m = /^udp:\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]\s]+):([0-9]{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  if (port < 1 || port > 65535 || !isHost(host)) return undefined;
  return { host, port };
}

const mediaSchema = z
  .strictObject({
    rtpengine: z
      .string()
      .refine((s) => parseNgUri(s) !== undefined, 'not a udp://host:port address')
      .optional(),
    anchor: anchorSchema.default('auto'),
    peer: peerSchema.optional(),
    offer: offerSchema.default(['as-offered']),
    timeoutMs: z.number().int().min(10).max(10_000).default(500),
    retries: z.number().int().min(0).max(10).default(2),
    checkSeconds: z.number().min(0).max(3600).default(15),
    silenceSeconds: z.number().min(1).max(3600).default(45),
  })
  .superRefine((m, ctx) => {
    if (m.anchor === 'always' && m.rtpengine === undefined)
      ctx.addIssue({ code: 'custom', message: "anchor 'always' needs media.rtpengine", path: ['anchor'] });
  });

const xmppSchema = z.strictObject({
  service: z
    .string()
    .regex(/^xmpps?:\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]\s]+):[0-9]{1,5}$/, 'not an xmpp://host:port URI'),
  domain: domainName,
  secret: z.string().min(1, 'empty'),
  defaultDomain: domainName.default('localhost'),
  resource: z
    .string()
    .min(1, 'empty')
    .regex(/^[^\s/]+$/, 'no spaces or slashes')
    .default('sip'),
  allowedDomains: z.array(domainName).min(1, 'at least one domain').optional(),
  reconnect: z
    .strictObject({
      initialDelayMs: z.number().int().min(10).max(60_000).optional(),
      maxDelayMs: z.number().int().min(10).max(3_600_000).optional(),
    })
    .optional(),
  keepalive: z
    .strictObject({
      intervalSeconds: z.number().min(0).max(3600).optional(),
      timeoutSeconds: z.number().min(0.1).max(600).optional(),
      target: domainName.optional(),
    })
    .optional(),
  iqTimeoutSeconds: z.number().min(0.1).max(600).optional(),
  debugWire: z.boolean().optional(),
});

const sipSchema = z
  .strictObject({
    listen: z
      .array(
        z.string().refine((s) => parseListenUri(s) !== undefined, 'not a udp|tcp|tls://host:port address'),
      )
      .min(1, 'at least one listen address'),
    outbound: sipUri,
    trusted: z.array(z.string().refine((s) => parseCidr(s) !== undefined, 'not a CIDR block')).default([]),
    host: domainName.optional(),
    fromStyle: z.enum(['escaped', 'direct']).optional(),
    userAgent: z.string().min(1, 'empty').regex(headerSafe, 'no line breaks').default('jingle-sip-gateway'),
    tls: z
      .strictObject({
        cert: z.string().min(1, 'empty'),
        key: z.string().min(1, 'empty'),
        ca: z.string().min(1, 'empty').optional(),
        verifyPeer: z.boolean().optional(),
      })
      .optional(),
    trunks: z
      .array(
        z.strictObject({
          name: z.string().min(1, 'empty'),
          host: z.string().min(1, 'empty').regex(headerSafe, 'no line breaks'),
          realm: z.string().min(1, 'empty').regex(headerSafe, 'no line breaks').optional(),
          username: z.string().min(1, 'empty').regex(headerSafe, 'no line breaks'),
          password: z.string().min(1, 'empty'),
          media: mediaPolicySchema.optional(),
          earlyMedia: z.boolean().optional(),
          keepalive: z.boolean().optional(),
          register: z
            .strictObject({
              registrar: sipUri,
              aor: sipUri,
              expires: z.number().int().min(60).max(86_400).optional(),
              retryBaseSeconds: z.number().min(1).max(3600).optional(),
              retryMaxSeconds: z.number().min(1).max(86_400).optional(),
            })
            .optional(),
        }),
      )
      .optional(),
    inboundAuth: z
      .strictObject({
        realm: z.string().min(1, 'empty').regex(headerSafe, 'no line breaks'),
        users: z.record(z.string().min(1), z.string().min(1)),
      })
      .optional(),
    outboundProxy: sipUri.optional(),
    sessionExpires: z
      .number()
      .int()
      .refine((n) => n === 0 || (n >= 90 && n <= 86_400), '0 or 90–86400 seconds (RFC 4028 Min-SE)')
      .default(1800),
    keepalive: z
      .strictObject({
        intervalSeconds: z.number().min(0).max(3600).default(30),
        // The UDP transaction gives up at 64·T1 = 32 s: a longer wait would never be reached.
        timeoutSeconds: z.number().min(0.1).max(32).default(32),
      })
      .prefault({}),
    trunkKeepalive: z
      .strictObject({
        intervalSeconds: z.number().min(0).max(3600).default(30),
        // An OPTIONS transaction over UDP gives up at 64·T1 = 32 s (Timer F).
        timeoutSeconds: z.number().min(0.1).max(32).default(32),
      })
      .prefault({}),
    maxMessageBytes: z.number().int().min(1024).max(65_535).optional(),
    connections: z
      .strictObject({
        max: z.number().int().min(1).max(1_000_000).default(2000),
        maxPerSource: z.number().int().min(1).max(1_000_000).default(50),
        // At least 64·T1: a transaction must be able to finish on its connection (RFC 3261 §18).
        idleSeconds: z.number().int().min(32).max(86_400).default(60),
        messageTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((sip, ctx) => {
    if (sip.tls === undefined && sip.listen.some((l) => l.startsWith('tls://'))) {
      ctx.addIssue({ code: 'custom', message: 'required by a tls:// listen address', path: ['tls'] });
    }
    const first = parseListenUri(sip.listen[0] ?? '');
    if (sip.host === undefined && first !== undefined && isUnspecified(first.host)) {
      ctx.addIssue({ code: 'custom', message: `required when listening on ${first.host}`, path: ['host'] });
    }
  })
  .transform((sip) => ({
    ...sip,
    host: sip.host ?? (parseListenUri(sip.listen[0] as string) as { host: string }).host,
  }));

export const configSchema = z
  .strictObject({
    xmpp: xmppSchema,
    sip: sipSchema,
    calls: z
      .strictObject({
        gatherWindowMs: z.number().int().min(0).max(10_000).default(200),
        noAnswerSeconds: z.number().int().min(1).max(3600).default(60),
        drainSeconds: z.number().min(0).max(3600).default(30),
      })
      .prefault({}),
    policy: z
      .strictObject({
        sipHosts: z
          .array(
            z
              .string()
              .regex(
                /^(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/,
                'not a host, host:port or *.domain',
              ),
          )
          .default([]),
        allowNumbers: z.array(numberRuleSchema).default([]),
        callers: z
          .array(
            z.strictObject({
              from: z
                .string()
                .regex(
                  /^(\*|(\*\.)?[A-Za-z0-9.-]+|[^@/\s]+@[A-Za-z0-9.-]+)$/,
                  'not *, a domain or a bare JID',
                ),
              numbers: z.array(numberRuleSchema.shape.match).min(1, 'at least one pattern').optional(),
              allowNumbers: z.array(numberRuleSchema).optional(),
            }),
          )
          .default([]),
        sources: z
          .array(
            z.strictObject({
              from: z
                .array(z.string().refine((s) => parseCidr(s) !== undefined, 'not a CIDR block'))
                .min(1, 'at least one CIDR block'),
              jids: z
                .array(
                  z
                    .string()
                    .regex(/^((\*\.)?[A-Za-z0-9.-]+|[^@/\s]+@[A-Za-z0-9.-]+)$/, 'not a domain or a bare JID'),
                )
                .min(1, 'at least one JID or domain'),
            }),
          )
          .default([]),
      })
      .prefault({}),
    routing: z
      .strictObject({
        inbound: z
          .array(
            z.strictObject({
              match: numberRuleSchema.shape.match,
              jid: z.string().regex(/^[^@/\s]+@[^@/\s]+$/, 'not a bare JID (user@domain)'),
            }),
          )
          .default([]),
        unmatched: z.enum(['map', 'reject']).default('map'),
        outbound: z
          .array(
            z.strictObject({
              match: numberRuleSchema.shape.match,
              trunk: sipUri,
              strip: z.number().int().min(0).max(15).default(0),
              prepend: z
                .string()
                .regex(/^[0-9+*#]*$/, 'only digits, +, * and #')
                .default(''),
              media: mediaPolicySchema.optional(),
              earlyMedia: z.boolean().optional(),
            }),
          )
          .default([]),
      })
      .prefault({}),
    limits: z
      .strictObject({
        calls: z.number().int().min(1).max(1_000_000).default(1000),
        callsPerUser: z.number().int().min(1).max(100_000).default(10),
        callsPerSource: z.number().int().min(1).max(1_000_000).default(200),
        attemptsPerSecond: z.number().min(0.1).max(100_000).default(500),
        attemptsPerSecondPerUser: z.number().min(0.1).max(100_000).default(2),
        attemptsPerSecondPerSource: z.number().min(0.1).max(100_000).default(50),
      })
      .prefault({}),
    media: mediaSchema.prefault({}),
    log: z
      .strictObject({
        level: z.enum(LOG_LEVELS).default('info'),
        format: z.enum(LOG_FORMATS).default('auto'),
        trace: z.boolean().default(false),
      })
      .prefault({}),
    http: z
      .strictObject({
        listen: z
          .string()
          .refine((s) => parseHostPort(s) !== undefined, 'not an IP address:port (IPv6 as [::1]:8088)'),
        recentCalls: z.number().int().min(1).max(10_000).default(50),
        messagesPerCall: z.number().int().min(10).max(10_000).default(200),
        messageBytes: z.number().int().min(256).max(1_048_576).default(8192),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const needsRtpengine = (anchor: AnchorMode | undefined, path: Array<string | number>): void => {
      if (anchor === 'always' && c.media.rtpengine === undefined)
        ctx.addIssue({ code: 'custom', message: "anchor 'always' needs media.rtpengine", path });
    };
    (c.sip.trunks ?? []).forEach((t, i) =>
      needsRtpengine(t.media?.anchor, ['sip', 'trunks', i, 'media', 'anchor']),
    );
    c.routing.outbound.forEach((r, i) =>
      needsRtpengine(r.media?.anchor, ['routing', 'outbound', i, 'media', 'anchor']),
    );
  });

/** Parses and validates configuration text; `source` names it in YAML syntax errors. */
export function parseConfig(text: string, source: string, env: Env = {}): GatewayConfig {
  const raw = parseYamlText('config', text, source);
  const { data, errors } = applyEnvOverrides(raw, env);
  if (errors[0] !== undefined) throw errors[0];
  const parsed: GatewayConfig = validate('config', '', configSchema, data);
  return parsed;
}

/** parseConfig, with the file named in validation errors: `config: gw.yaml: sip.lsiten: unknown key`. */
function parseConfigNamed(text: string, file: string, env: Env): GatewayConfig {
  try {
    return parseConfig(text, file, env);
  } catch (e) {
    if (e instanceof InputError && !e.where.includes(file))
      throw new InputError('config', `${file}: ${e.where}`, e.detail);
    throw e;
  }
}

/** The shipped `config/default.yaml` (found by walking up from this file). */
export function defaultConfigFile(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'config', 'default.yaml');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('config/default.yaml not found');
}

/** Relative `sip.tls` paths are taken relative to the configuration file's folder. */
export function resolveTlsPaths(config: GatewayConfig, file: string): GatewayConfig {
  if (config.sip.tls === undefined) return config;
  const base = path.dirname(path.resolve(file));
  const tls = config.sip.tls;
  return {
    ...config,
    sip: {
      ...config.sip,
      tls: {
        ...tls,
        cert: path.resolve(base, tls.cert),
        key: path.resolve(base, tls.key),
        ...(tls.ca !== undefined ? { ca: path.resolve(base, tls.ca) } : {}),
      },
    },
  };
}

/**
 * Reads a configuration file (default: `config/default.yaml`), with the secrets of `env` (default:
 * the process environment) applied: `JSG_XMPP_SECRET`, `JSG_TRUNK_<NAME>_PASSWORD`,
 * `JSG_INBOUND_<USER>_PASSWORD` (./env.ts). Relative `sip.tls` paths are taken relative to the
 * file's folder.
 */
export function loadConfig(file: string = defaultConfigFile(), env: Env = process.env): GatewayConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError('config', file, `cannot read: ${(e as Error).message}`);
  }
  return resolveTlsPaths(parseConfigNamed(text, file, env), file);
}

/** The shipped default configuration, as the file says (no environment applied). */
export function defaultConfig(): GatewayConfig {
  return loadConfig(defaultConfigFile(), {});
}
