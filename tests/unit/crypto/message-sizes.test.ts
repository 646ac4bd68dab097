// v1 messages hash and MAC short bodies on @noble/hashes and long ones on WebCrypto (lib/crypto/message.ts,
// SYNC_HASH_LIMIT = 4096): both sides of that limit must seal, open, and catch a changed byte.
import { describe, expect, it } from 'vitest';
import { equalBytes, randomBytes } from '../../../lib/bytes';
import { openMessage, sealMessage } from '../../../lib/crypto/message';
import { codeOf, makeUser } from './fixtures';

describe('v1 messages on both sides of the synchronous hashing limit', () => {
  // Padded bodies of 256 B, 4 KiB (the limit: body 4096 + tag), 16 KiB and 64 KiB; the MAC covers header,
  // wraps and body, so it crosses the limit at a smaller body than the body hash does.
  it.each([0, 3000, 4000, 5000, 64 * 1024 - 200])('%i bytes open to the exact text, and a changed body byte is tampered', async (size) => {
    const alice = await makeUser();
    const bob = await makeUser();
    const plaintext = randomBytes(size);
    const sealed = await sealMessage({ sender: alice, recipients: [bob.bundle], plaintext });
    expect(equalBytes((await openMessage(sealed, bob.me)).plaintext, plaintext)).toBe(true);
    expect(equalBytes((await openMessage(sealed, alice.me)).plaintext, plaintext)).toBe(true);
    for (const at of [sealed.length - 17, sealed.length - 40, sealed.length - 1]) {
      const changed = sealed.slice();
      changed[at]! ^= 0x01;
      expect(await codeOf(openMessage(changed, bob.me))).toBe('tampered');
    }
  });
});
