// The STOCK cryptico 1.0.2, loaded from node_modules into its own V8 context: our hardening never touches
// it, and its global side effects (Math.random replacement, undeclared globals) stay in that context.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import type { Cryptico, RSAKey } from 'cryptico';
import type { LegacyPrivateKey } from '../../../lib/legacy/legacy-key';

const require = createRequire(import.meta.url);

export function loadStockCryptico(): Cryptico {
  const source = readFileSync(require.resolve('cryptico'), 'utf8');
  const module = { exports: {} as Cryptico };
  vm.runInNewContext(source, { module, exports: module.exports, require });
  return module.exports;
}

/** A stock RSAKey holding the same numbers as one of our legacy keys. */
export function stockKeyOf(stock: Cryptico, key: LegacyPrivateKey): RSAKey {
  const RSAKey = stock.publicKeyFromString('AQAB').constructor as new () => RSAKey;
  const rsa = new RSAKey();
  const k = key.rsa;
  rsa.setPrivateEx(k.n, k.e, k.d, k.p, k.q, k.dmp1, k.dmq1, k.coeff);
  return rsa;
}

/**
 * A stock passphrase-derived key with a full 1024-bit modulus. Stock "1024-bit" keys come out 1023 bits for
 * some passphrases, and lib/legacy refuses to pin anything under 1024 bits; the suffix makes the choice stable.
 */
export function stockKey(stock: Cryptico, passphrase: string): RSAKey {
  for (let n = 0; ; n++) {
    const key = stock.generateRSAKey(`${passphrase} ${n}`, 1024);
    if (key.n.bitLength() === 1024) return key;
  }
}

export function stockCipher(stock: Cryptico, plaintext: string, to: string, signer?: RSAKey): string {
  const r = stock.encrypt(plaintext, to, signer);
  if (r.status !== 'success') throw new Error(r.status);
  return r.cipher;
}
