// Vite plugin that makes cryptico 1.0.2 (CommonJS written for Node, sloppy mode) work in the extension
// bundle: (1) its require('crypto') resolves to a small synchronous hash shim instead of Vite's empty
// browser stub; (2) the five variables it assigns without declaring get declared, since the bundle's
// strict-mode chunks would otherwise throw ReferenceError. Only cryptico's own file is affected.
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const CRYPTICO_FILE = /[\\/]node_modules[\\/]cryptico[\\/]lib[\\/]cryptico\.js$/;
const UNDECLARED = ['sPaddedMessageHex', 'v', 'i', 'pubkey', 'signString'];
const HASH_SHIM = fileURLToPath(new URL('../lib/legacy/node-crypto-shim.ts', import.meta.url));

const isCryptico = (id: string | undefined) => id !== undefined && CRYPTICO_FILE.test(id.split('?')[0]!);

export function crypticoPlugin(): Plugin {
  return {
    name: 'c2c:cryptico',
    enforce: 'pre',
    resolveId(source, importer) {
      return source === 'crypto' && isCryptico(importer) ? HASH_SHIM : null;
    },
    transform(code, id) {
      if (!isCryptico(id)) return null;
      // Declared on the file's first line, so they stay local to cryptico's module scope.
      return { code: `var ${UNDECLARED.join(', ')};${code}`, map: null };
    },
  };
}
