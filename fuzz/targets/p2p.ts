// Peer-to-peer chat tokens (lib/chat/p2p-token.ts, lib/chat/p2p-sdp.ts): openP2PToken() on mutated sealed
// offers and answers, and on descriptions a pinned contact signed and sealed after mutating them (the AEAD
// keeps a stranger's changes out, so that is how a hostile description reaches the decoder). A changed
// sealed token never opens; a description that opens rebuilds an SDP that reads back as itself.
import { isDeepStrictEqual } from 'node:util';
import { concat, equalBytes, toHex } from '../../lib/bytes';
import { minimizeSdp, rebuildSdp } from '../../lib/chat/p2p-sdp';
import { newP2PId, openP2PToken, sealP2PToken, type P2PKind, type P2PToken } from '../../lib/chat/p2p-token';
import { FORMAT_ID } from '../../lib/crypto/format-ids';
import { keyIdBytes, SIGNATURE_CONTEXT, signWithContext } from '../../lib/crypto/identity';
import { openMessageV2, sealMessageV2 } from '../../lib/crypto/message-v2';
import { CHROMIUM_ANSWER, CHROMIUM_OFFER, FIREFOX_OFFER } from '../../tests/unit/chat/p2p-sdp-samples';
import { makeUser } from '../../tests/unit/crypto/fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, shrinkBytes } from '../mutate';

interface Input {
  seed: number;
  /** `sealed`: the sealed token's bytes changed; `signed`: its description's bytes changed, then signed and sealed. */
  mode: 'sealed' | 'signed';
  bytes: Uint8Array;
}

const SIGNATURE_LENGTH = 64;
const FORMAT: Record<P2PKind, number> = { offer: FORMAT_ID.p2pOfferV1, answer: FORMAT_ID.p2pAnswerV1 };

export const p2pTarget: Target<Input> = {
  name: 'p2p',
  covers: 'openP2PToken() on mutated sealed offers and answers (never opens when changed) and on mutated descriptions signed and sealed by the pinned sender (what opens rebuilds an SDP that minimizes back to the same description)',
  smoke: 2_000,
  async setup() {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const aliceKeyId = await keyIdBytes(alice.identity.publicKey);
    const resolveSender = async (keyId: Uint8Array) => (equalBytes(keyId, aliceKeyId) ? alice.identity.publicKey : undefined);
    const bobKeys = { identity: bob.identity, prekeys: [bob.prekey] };
    const now = Date.now();
    const tokens: P2PToken[] = [
      { kind: 'offer', id: newP2PId(), description: minimizeSdp(CHROMIUM_OFFER) },
      { kind: 'answer', id: newP2PId(), description: minimizeSdp(CHROMIUM_ANSWER) },
      { kind: 'offer', id: newP2PId(), description: minimizeSdp(FIREFOX_OFFER) },
    ];
    const sealed = await Promise.all(tokens.map((token) => sealP2PToken({ identity: alice.identity, recipient: bob.bundle, token, timestamp: now })));
    // The description bytes as they travel (the plaintext without the signature), to mutate and sign again.
    const bodies = await Promise.all(
      sealed.map(async (bytes, i) => {
        const opened = await openMessageV2(bytes, bobKeys, { format: FORMAT[tokens[i]!.kind] as never, resolveSender, now });
        return opened.plaintext.slice(0, opened.plaintext.length - SIGNATURE_LENGTH);
      }),
    );
    return {
      generate(rng) {
        const seed = rng.int(tokens.length);
        const mode = rng.chance(0.5) ? 'sealed' : 'signed';
        const pool = mode === 'sealed' ? sealed : bodies;
        return { seed, mode, bytes: mutateBytes(rng, pool[seed]!, pool) };
      },
      async run({ seed, mode, bytes }) {
        const kind = tokens[seed]!.kind;
        let token = bytes;
        if (mode === 'signed') {
          const signature = await signWithContext(alice.identity.privateKey, SIGNATURE_CONTEXT.p2pDtls, concat(Uint8Array.of(FORMAT[kind]), bob.identity.publicKey, bytes));
          token = await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: concat(bytes, signature), format: FORMAT[kind] as never, timestamp: now });
        }
        const opened = await openP2PToken(token, bobKeys, { resolveSender, now });
        check(!opened.ownCopy, 'bob opened a token as his own copy');
        if (mode === 'sealed') {
          const j = sealed.findIndex((s) => equalBytes(s, bytes));
          check(j >= 0, `a changed token opened (${toHex(bytes).slice(0, 64)}…)`);
          check(equalBytes(opened.id, tokens[j]!.id), 'a token opened with another chat id');
        }
        let rebuilt: string;
        try {
          rebuilt = rebuildSdp(opened.description);
        } catch (e) {
          check(false, `an opened description cannot be given to the browser: ${String(e)}`);
          return;
        }
        check(isDeepStrictEqual(minimizeSdp(rebuilt), opened.description), 'a rebuilt SDP does not read back as the description it came from');
      },
      *shrink(input) {
        for (const bytes of shrinkBytes(input.bytes)) yield { ...input, bytes };
      },
      show: ({ seed, mode, bytes }) => `seed ${seed}, ${mode}: ${toHex(bytes)}`,
    };
  },
};
