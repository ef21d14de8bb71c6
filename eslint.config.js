// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

/**
 * The layers of src/sip, lowest first (docs/architecture.md §Layout of src/sip): a folder may
 * import only the folders before it in this list, never one after it nor the SIP leg's public
 * entry (src/sip/index.ts); and only src/sip/transaction imports npm `sip` (RFC 3261 §17 is the
 * one part of npm `sip` this project uses).
 */
const SIP_LAYERS = ['common', 'message', 'transport', 'transaction', 'dialog', 'ua'];
const NPM_SIP = {
  paths: [{ name: 'sip', message: 'only src/sip/transaction imports npm sip' }],
  patterns: [{ regex: '^sip/', message: 'only src/sip/transaction imports npm sip' }],
};
/** `no-restricted-imports` for one folder; rule options do not merge across config objects. */
function restrictedImports(o) {
  return [
    'error',
    {
      paths: o.sip ? [] : NPM_SIP.paths,
      patterns: [...(o.sip ? [] : NPM_SIP.patterns), ...(o.patterns ?? [])],
    },
  ];
}
/**
 * The layers of src/xmpp, lowest first (docs/architecture.md §Layout of src/xmpp): stanza
 * building and errors, the XEP-0114 connection, IQ routing and disco, presence, the XEP-0353
 * machine, and the leg that ties them together for the call layer.
 */
const XMPP_LAYERS = ['stanza', 'connection', 'routing', 'presence', 'jmi', 'leg'];

/**
 * One config per folder of `src/<root>`: an import of a folder above it, or of the public entry
 * `src/<root>/index.ts`, is an error. `chain` is the direction as the message spells it.
 */
function layerConfigs(root, layers, leg, extra = () => ({})) {
  const chain = [...layers].reverse().join(' → ');
  return layers.map((layer, i) => {
    const above = layers.slice(i + 1);
    const patterns = [
      {
        regex: '^\\.\\.(/index)?$',
        message: `src/${root}/${layer} must not import the ${leg}'s public entry (src/${root}/index.ts)`,
      },
    ];
    if (above.length > 0) {
      const names = above.join('|');
      patterns.push({
        regex: `^\\.\\./(${names})(/|$)|(^|/)${root}/(${names})(/|$)`,
        message: `src/${root}/${layer} may import only the layers below it (${layers.slice(0, i).join(', ') || 'none'}): imports go ${chain}`,
      });
    }
    return {
      files: [`src/${root}/${layer}/**/*.ts`],
      rules: { 'no-restricted-imports': restrictedImports({ ...extra(layer), patterns }) },
    };
  });
}
const sipLayerConfigs = layerConfigs('sip', SIP_LAYERS, 'SIP leg', (layer) => ({
  sip: layer === 'transaction',
}));
const xmppLayerConfigs = layerConfigs('xmpp', XMPP_LAYERS, 'XMPP leg');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-control-regex': 'off',
      'no-restricted-imports': restrictedImports({}),
    },
  },
  ...sipLayerConfigs,
  ...xmppLayerConfigs,
);
