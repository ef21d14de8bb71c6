/**
 * `node -r ./test/support/ts-register.js some.ts`: lets a plain node child process run the
 * project's TypeScript (the packet-loss test's child, which must start in its own network
 * namespace, outside jest). Each .ts file is transpiled on load with TypeScript's
 * `transpileModule` (no type check: `npm run typecheck` covers these files like every other).
 */
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions });
  module._compile(outputText, filename);
};
