/**
 * zod schemas for the tables in `mappings/`. Each schema checks the shape of one file and the
 * rules that span entries (every Jingle reason exactly once, no duplicate ids, regular
 * expressions that compile), so a bad table fails at start-up with the path of the bad entry.
 */
import { z } from 'zod';
import { REASON_CONDITIONS, type ReasonCondition } from '../jingle/types';
import { XTLS_METHOD_ATTRIBUTE } from '../sdp/types';
import { BARE_PARAMETER_NAME } from '../translate/tables';

/** XEP-0166 reason condition. */
const condition = z.enum(REASON_CONDITIONS, {
  error: (issue) => (issue.input === undefined ? 'missing' : 'not a XEP-0166 reason condition'),
});
const failureStatus = z
  .number()
  .int('not a 4xx–6xx code')
  .min(400, 'not a 4xx–6xx code')
  .max(699, 'not a 4xx–6xx code');
const token = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/, 'not a token');

/** Adds an issue at `[...prefix, index, field]` for every entry whose `key(entry)` was seen before. */
function unique<T>(
  items: T[],
  key: (t: T) => string,
  field: string,
  what: string,
  ctx: z.RefinementCtx,
  prefix: PropertyKey[] = [],
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k))
      ctx.addIssue({ code: 'custom', message: `duplicate ${what} ${k}`, path: [...prefix, i, field] });
    seen.add(k);
  });
}

// ── hashes.yaml ─────────────────────────────────────────────────────────────────────────────

export const hashesSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[a-z0-9-]+$/, 'not a lower-case IANA hash name'),
      bytes: z.number().int().positive(),
      sdp: token,
    }),
  )
  .min(1)
  .superRefine((list, ctx) => unique(list, (h) => h.name, 'name', 'hash', ctx));

// ── codecs.yaml ─────────────────────────────────────────────────────────────────────────────

const media = z.enum(['audio', 'video']);
const clockrate = z.number().int().positive();
const channels = z.number().int().min(1).max(8);

export const codecsSchema = z.strictObject({
  static: z
    .array(
      z.strictObject({
        // RFC 3551 §6: static assignments live in 0–95 (96–127 are dynamic).
        id: z.number().int().min(0).max(95, 'not a static payload type (0–95)'),
        name: token,
        media,
        clockrate,
        channels: channels.optional(),
      }),
    )
    .superRefine((list, ctx) => unique(list, (c) => String(c.id), 'id', 'payload type', ctx)),
  dynamic: z
    .array(
      z.strictObject({
        name: token,
        media,
        clockrate,
        channels: channels.optional(),
        fmtp: z.string().optional(),
        spec: z.string().optional(),
      }),
    )
    .superRefine((list, ctx) =>
      unique(list, (c) => `${c.media}/${c.name.toLowerCase()}/${c.clockrate}`, 'name', 'codec', ctx),
    ),
  fmtpBareParameterName: z.literal(BARE_PARAMETER_NAME, {
    message: `must be '${BARE_PARAMETER_NAME}' (BARE_PARAMETER_NAME in src/translate/tables.ts)`,
  }),
});

// ── reasons.yaml ────────────────────────────────────────────────────────────────────────────

export const reasonsSchema = z
  .strictObject({
    toSip: z.array(
      z
        .strictObject({
          condition,
          sip: failureStatus.optional(),
          text: z
            .string()
            .min(1)
            .regex(/^[^\r\n"]*$/, 'no quotes or line breaks in a reason phrase'),
          request: z.enum(['BYE', 'CANCEL']).optional(),
        })
        .refine((e) => e.sip !== undefined || e.condition === 'success', {
          message: 'missing (only success has no status)',
          path: ['sip'],
        }),
    ),
    fromSip: z.array(z.strictObject({ sip: failureStatus, condition })),
    fromSipClass: z.strictObject({
      '3xx': condition.optional(),
      '4xx': condition,
      '5xx': condition,
      '6xx': condition,
    }),
    q850: z.array(
      z.strictObject({
        cause: z.number().int().min(1).max(127, 'not a Q.850 cause (1–127)'),
        condition,
        text: z.string(),
      }),
    ),
    q850Default: condition,
  })
  .superRefine((r, ctx) => {
    // Every condition exactly once in toSip.
    unique(r.toSip, (e) => e.condition, 'condition', 'condition', ctx, ['toSip']);
    const present = new Set<ReasonCondition>(r.toSip.map((e) => e.condition));
    for (const c of REASON_CONDITIONS) {
      if (!present.has(c))
        ctx.addIssue({ code: 'custom', message: `no entry for condition ${c}`, path: ['toSip'] });
    }
    unique(r.fromSip, (e) => String(e.sip), 'sip', 'status', ctx, ['fromSip']);
    // docs/design.md: never turn a SIP failure into success.
    r.fromSip.forEach((e, i) => {
      if (e.condition === 'success')
        ctx.addIssue({
          code: 'custom',
          message: 'a SIP failure is never success',
          path: ['fromSip', i, 'condition'],
        });
    });
    for (const k of ['3xx', '4xx', '5xx', '6xx'] as const) {
      if (r.fromSipClass[k] === 'success')
        ctx.addIssue({
          code: 'custom',
          message: 'a SIP failure is never success',
          path: ['fromSipClass', k],
        });
    }
    if (r.q850Default === 'success')
      ctx.addIssue({ code: 'custom', message: 'an unknown cause is never success', path: ['q850Default'] });
    unique(r.q850, (e) => String(e.cause), 'cause', 'cause', ctx, ['q850']);
  });

// ── xtls-methods.yaml ───────────────────────────────────────────────────────────────────────

const xtlsForm = z.enum(['fingerprint', 'extension']);

export const xtlsMethodsSchema = z.strictObject({
  extensionAttribute: z.literal(XTLS_METHOD_ATTRIBUTE, {
    message: `must be ${XTLS_METHOD_ATTRIBUTE} (src/sdp/types.ts)`,
  }),
  methods: z
    .array(z.strictObject({ name: token, form: xtlsForm }))
    .superRefine((list, ctx) => unique(list, (m) => m.name.toLowerCase(), 'name', 'method', ctx)),
  unknownForm: xtlsForm,
});

// ── address-rules.yaml ──────────────────────────────────────────────────────────────────────

/** A JavaScript regular expression source that compiles. */
const regex = z.string().transform((src, ctx) => {
  try {
    return new RegExp(src);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(e as Error).message}` });
    return z.NEVER;
  }
});

const sipUri = z
  .string()
  .regex(/^sips?:[^\s@]+$/i, 'not a sip: or sips: URI without user (sip:host[:port][;params])');

export const addressRulesSchema = z.strictObject({
  e164: z.strictObject({ pattern: regex, separators: z.string() }),
  fromStyle: z.enum(['escaped', 'direct']),
  routes: z.array(
    z.strictObject({
      match: regex,
      trunk: sipUri,
      strip: z.number().int().min(0).default(0),
      prepend: z
        .string()
        .regex(/^[0-9+*#]*$/, 'only digits, +, * and #')
        .default(''),
    }),
  ),
});

/** A number rule of mappings/policy.yaml or `policy.allowNumbers`: a pattern and why. */
export const numberRuleSchema = z.strictObject({ match: regex, why: z.string().min(1, 'empty') });

export const policySchema = z.strictObject({ denyNumbers: z.array(numberRuleSchema) });
