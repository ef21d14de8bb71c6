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
const sipLayerConfigs = SIP_LAYERS.map((layer, i) => {
  const above = SIP_LAYERS.slice(i + 1);
  const patterns = [
    {
      regex: '^\\.\\.(/index)?$',
      message: `src/sip/${layer} must not import the SIP leg's public entry (src/sip/index.ts)`,
    },
  ];
  if (above.length > 0) {
    const names = above.join('|');
    patterns.push({
      regex: `^\\.\\./(${names})(/|$)|(^|/)sip/(${names})(/|$)`,
      message: `src/sip/${layer} may import only the layers below it (${SIP_LAYERS.slice(0, i).join(', ') || 'none'}): imports go ua → dialog → transaction → transport → message → common`,
    });
  }
  return {
    files: [`src/sip/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': restrictedImports({ sip: layer === 'transaction', patterns }) },
  };
});

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
);
