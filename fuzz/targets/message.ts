// One-shot messages through the one entry point that routes by format id (openTextMessage): v2 sealed with
// a key id and with the full key, to one and several recipients, with a channel and an extension,
// compressed, and v1; opened by a recipient and by the sender (own copy). Every byte is authenticated,
// so a changed message must never open.
import { equalBytes, toHex, utf8 } from '../../lib/bytes';
import { FORMAT_ID, formatIdOf } from '../../lib/crypto/format-ids';
import { keyIdBytes } from '../../lib/crypto/identity';
import { sealMessage } from '../../lib/crypto/message';
import { sealMessageV2, type OpeningKeys } from '../../lib/crypto/message-v2';
import { openTextMessage } from '../../lib/crypto/open-message';
import { makeUser } from '../../tests/unit/crypto/fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, shrinkBytes } from '../mutate';

interface Sealed {
  bytes: Uint8Array;
  plaintext: Uint8Array;
}

interface Input {
  seed: number;
  opener: 'recipient' | 'sender';
  bytes: Uint8Array;
}

export const messageTarget: Target<Input> = {
  name: 'message',
  covers: 'openTextMessage() (format-id routing, v2 and v1 parsing, HPKE unwrap, AEAD, padding, section, signature) on mutated sealed messages; only messages we sealed open, each to its own text',
  smoke: 3_000,
  async setup() {
    const [alice, bob, carol] = await Promise.all([makeUser(), makeUser(), makeUser()]);
    const now = Date.now();
    const text = (n: number) => utf8('message '.repeat(n));
    const seeds: Sealed[] = [];
    const v2 = async (plaintext: Uint8Array, extra: Partial<Parameters<typeof sealMessageV2>[0]> = {}) =>
      seeds.push({ plaintext, bytes: await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext, timestamp: now, ...extra }) });
    await v2(text(1));
    await v2(text(2), { senderKey: 'full' });
    await v2(text(200)); // compressed
    await v2(new Uint8Array(0), { recipients: [carol.bundle, bob.bundle] });
    await v2(text(3), { channel: { kind: 'site', site: 'https://chat.example', conversation: '/room' }, extensions: [{ type: 0x01, value: utf8('x') }] });
    const v1 = utf8('a v1 message');
    seeds.push({ plaintext: v1, bytes: await sealMessage({ sender: alice, recipients: [bob.bundle], plaintext: v1, timestamp: now }) });
    check(seeds.every((s) => formatIdOf(s.bytes) === (s === seeds.at(-1) ? FORMAT_ID.modernMessageV1 : FORMAT_ID.modernMessageV2)), 'a seed has the wrong format id');
    const donors = seeds.map((s) => s.bytes);
    const keys: Record<Input['opener'], OpeningKeys> = {
      recipient: { identity: bob.identity, prekeys: [bob.prekey] },
      sender: { identity: alice.identity, prekeys: [alice.prekey] },
    };
    // The recipient knows the sender (a pinned contact), so a v2 key id is resolved and the signature checked.
    const aliceKeyId = await keyIdBytes(alice.identity.publicKey);
    const resolveSender = async (keyId: Uint8Array) => (equalBytes(keyId, aliceKeyId) ? alice.identity.publicKey : undefined);
    return {
      generate(rng) {
        const seed = rng.int(seeds.length);
        const bytes = rng.chance(0.02) ? rng.bytes(rng.int(300)) : mutateBytes(rng, seeds[seed]!.bytes, donors);
        return { seed, opener: rng.chance(0.8) ? 'recipient' : 'sender', bytes };
      },
      async run({ opener, bytes }) {
        const opened = await openTextMessage(bytes, keys[opener], { now, resolveSender });
        // A splice may carry a whole other sealed message (the donors): only messages we sealed open, each to its text.
        const sealed = seeds.find((s) => equalBytes(s.bytes, bytes));
        check(sealed, `a changed message opened (${toHex(bytes).slice(0, 64)}…)`);
        check(equalBytes(opened.plaintext, sealed.plaintext), 'a message opened to another text');
      },
      *shrink(input) {
        for (const bytes of shrinkBytes(input.bytes)) yield { ...input, bytes };
      },
      show: ({ seed, opener, bytes }) => `seed ${seed}, opened by the ${opener}: ${toHex(bytes)}`,
    };
  },
};

