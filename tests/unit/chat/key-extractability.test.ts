// Chat keys (lib/chat/): the X25519 private keys of the handshake and the ratchet are non-extractable
// WebCrypto keys, so no script (ours included) can export them; they still agree on a shared secret.
import { describe, expect, it } from 'vitest';
import { generateX25519, x25519 } from '../../../lib/chat/noise';

describe('chat key extractability', () => {
  it('a generated X25519 private key cannot be exported in any format; its public half can', async () => {
    const pair = await generateX25519();
    expect(pair.privateKey.extractable).toBe(false);
    expect(pair.privateKey.usages).toEqual(['deriveBits']);
    for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
      await expect(crypto.subtle.exportKey(format, pair.privateKey), format).rejects.toThrow();
    }
    expect(pair.publicKey).toHaveLength(32);
  });

  it('two such keys still agree (the handshake and ratchet need nothing more)', async () => {
    const [a, b] = await Promise.all([generateX25519(), generateX25519()]);
    const [ab, ba] = await Promise.all([x25519(a.privateKey, b.publicKey), x25519(b.privateKey, a.publicKey)]);
    expect(ab).toEqual(ba);
    expect(ab).toHaveLength(32);
  });
});
