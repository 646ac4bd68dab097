// The relay's synchronous verifier must accept exactly what lib's WebCrypto verifier accepts.
import { describe, expect, it } from 'vitest';
import { generateIdentity, SIGNATURE_CONTEXT, signWithContext, verifyWithContext } from '../../lib/crypto/identity';
import { utf8 } from '../../lib/bytes';
import { verifyWithContextSync } from '../../relay/ed25519';
import { nextNonce } from '../../relay/nonces';

describe('relay Ed25519 verification', () => {
  it('agrees with verifyWithContext on good, tampered, wrong-label, wrong-key and malformed input', async () => {
    const [a, b] = await Promise.all([generateIdentity(), generateIdentity()]);
    const msg = utf8('nonce and origin');
    const sig = await signWithContext(a.privateKey, SIGNATURE_CONTEXT.relayAuth, msg);
    const flipped = sig.slice();
    flipped[10]! ^= 1;
    const cases: [Uint8Array, string, Uint8Array, Uint8Array][] = [
      [a.publicKey, SIGNATURE_CONTEXT.relayAuth, msg, sig],
      [a.publicKey, SIGNATURE_CONTEXT.relayAuth, msg, flipped],
      [a.publicKey, SIGNATURE_CONTEXT.relayRegister, msg, sig],
      [a.publicKey, SIGNATURE_CONTEXT.relayAuth, utf8('other'), sig],
      [b.publicKey, SIGNATURE_CONTEXT.relayAuth, msg, sig],
      [a.publicKey.slice(1), SIGNATURE_CONTEXT.relayAuth, msg, sig],
      [a.publicKey, SIGNATURE_CONTEXT.relayAuth, msg, sig.slice(1)],
      [new Uint8Array(32), SIGNATURE_CONTEXT.relayAuth, msg, sig],
    ];
    const sync = cases.map((c) => verifyWithContextSync(...c));
    const webcrypto = await Promise.all(cases.map((c) => verifyWithContext(...c)));
    expect(sync).toEqual(webcrypto);
    expect(sync).toEqual([true, false, false, false, false, false, false, false]);
  });

  it('hands out distinct 32-byte nonces that later refills do not change', () => {
    const first = nextNonce();
    const copy = first.slice();
    const seen = new Set<string>([Buffer.from(first).toString('hex')]);
    for (let i = 0; i < 1000; i++) seen.add(Buffer.from(nextNonce()).toString('hex'));
    expect(seen.size).toBe(1001);
    expect(first).toEqual(copy);
    expect(first.length).toBe(32);
  });
});
