// verifyPrekey remembers signatures that checked out (lib/crypto/prekey.ts): what it remembers must
// never vouch for bytes it did not check, whether they come as a new object or as the same object changed.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../lib/bytes';
import { sealMessage } from '../../../lib/crypto/message';
import { sealMessageV2 } from '../../../lib/crypto/message-v2';
import { verifyPrekey } from '../../../lib/crypto/prekey';
import { codeOf, makeUser } from './fixtures';

describe('prekey signatures already checked', () => {
  it('vouch for the same bytes again, and for no single-bit change of them', async () => {
    const { bundle } = await makeUser();
    expect(await verifyPrekey(bundle.identityKey, bundle.prekey)).toBe(true);
    expect(await verifyPrekey(bundle.identityKey.slice(), { ...bundle.prekey, signature: bundle.prekey.signature.slice() })).toBe(true);
    const fields = { identityKey: bundle.identityKey, publicKey: bundle.prekey.publicKey, signature: bundle.prekey.signature };
    for (const [name, bytes] of Object.entries(fields)) {
      for (let bit = 0; bit < bytes.length * 8; bit += 7) {
        const changed = bytes.slice();
        changed[bit >> 3]! ^= 1 << (bit & 7);
        const identityKey = name === 'identityKey' ? changed : bundle.identityKey;
        const prekey = { ...bundle.prekey, ...(name === 'publicKey' ? { publicKey: changed } : name === 'signature' ? { signature: changed } : {}) };
        expect(await verifyPrekey(identityKey, prekey), `${name} bit ${bit}`).toBe(false);
      }
    }
    expect(await verifyPrekey(bundle.identityKey, { ...bundle.prekey, created: bundle.prekey.created - 1 })).toBe(false);
    // A signature shorter or longer by the bytes that follow it is not the one checked.
    expect(await verifyPrekey(bundle.identityKey, { ...bundle.prekey, signature: bundle.prekey.signature.subarray(0, 63) })).toBe(false);
  });

  it('do not vouch for a bundle object changed in place after it sealed messages', async () => {
    const alice = await makeUser();
    const bob = await makeUser();
    await sealMessage({ sender: alice, recipients: [bob.bundle], plaintext: utf8('one') });
    await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: utf8('one') });
    bob.bundle.prekey.signature[10]! ^= 0x40;
    expect(await codeOf(sealMessage({ sender: alice, recipients: [bob.bundle], plaintext: utf8('two') }))).toBe('bad-signature');
    expect(await codeOf(sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: utf8('two') }))).toBe('bad-signature');
    bob.bundle.prekey.signature[10]! ^= 0x40;
    bob.bundle.prekey.created += 1000;
    expect(await codeOf(sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: utf8('three') }))).toBe('bad-signature');
  });
});
