// Secure-chat invitations: openInvite() on mutated sealed invitations (format id 0x03, HPKE auth mode,
// time window, replay cache) and decodeInvite() on any bytes. A changed invitation never opens; a decoded
// invitation encodes back to the same bytes.
import { equalBytes, toHex } from '../../lib/bytes';
import { MemoryReplayCache } from '../../lib/crypto/replay-cache';
import { decodeInvite, encodeInvite, openInvite, sealInvite, type Invite } from '../../lib/chat/invite';
import { makeUser } from '../../tests/unit/crypto/fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, shrinkBytes } from '../mutate';

interface Input {
  seed: number;
  /** Decode only (the plaintext layout), or open as a sealed invitation. */
  sealed: boolean;
  bytes: Uint8Array;
}

export const inviteTarget: Target<Input> = {
  name: 'invite',
  covers: 'openInvite() on mutated sealed invitations and withdrawals (never opens when changed) and decodeInvite() on mutated plaintexts (decoded invitations re-encode to the same bytes)',
  smoke: 3_000,
  async setup() {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const now = Date.now();
    const invites: Invite[] = [
      { kind: 'invite', roomId: new Uint8Array(32).fill(7) },
      { kind: 'withdraw', roomId: new Uint8Array(32).fill(9) },
    ];
    const sealed = await Promise.all(invites.map((invite) => sealInvite({ sender: alice, recipient: bob.bundle, invite, timestamp: now })));
    const plain = invites.map(encodeInvite);
    return {
      generate(rng) {
        const seed = rng.int(invites.length);
        const isSealed = rng.chance(0.7);
        const pool = isSealed ? sealed : plain;
        return { seed, sealed: isSealed, bytes: mutateBytes(rng, pool[seed]!, pool) };
      },
      async run({ sealed: isSealed, bytes }) {
        if (!isSealed) {
          const invite = decodeInvite(bytes);
          check(equalBytes(encodeInvite(invite), bytes), 'a decoded invitation does not encode back to its bytes');
          return;
        }
        // A fresh replay cache per input: the original itself must open, a changed one never.
        const opened = await openInvite(bytes, bob.me, { replayCache: new MemoryReplayCache(16), now });
        // A splice may carry the other sealed invitation whole: only invitations we sealed open, each to its room.
        const j = sealed.findIndex((s) => equalBytes(s, bytes));
        check(j >= 0, `a changed invitation opened (${toHex(bytes).slice(0, 64)}…)`);
        check(opened.kind === invites[j]!.kind && equalBytes(opened.roomId, invites[j]!.roomId), 'an invitation opened to another room');
      },
      *shrink(input) {
        for (const bytes of shrinkBytes(input.bytes)) yield { ...input, bytes };
      },
      show: ({ seed, sealed: isSealed, bytes }) => `seed ${seed}, ${isSealed ? 'sealed' : 'plain'}: ${toHex(bytes)}`,
    };
  },
};
