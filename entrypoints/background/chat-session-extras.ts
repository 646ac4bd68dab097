// What every secure chat session adds beside its messages, relay and peer-to-peer alike: our key-log
// checkpoint in its handshake and the peer's heard (gossip, lib/keylog/gossip.ts), and a version-2 chat's
// post-quantum secret kept with the contact for later one-shot messages (lib/keyring/contact-secrets.ts).
import type { ChatSession } from '@/lib/chat/session';
import { storeContactSecret } from '@/lib/keyring/contact-secrets';
import type { KeyringDB } from '@/lib/keyring/db';
import { ownGossip } from '@/lib/keyring/log-states';

/** The session option that carries our checkpoint, when we have one. */
export async function gossipOption(db: KeyringDB): Promise<{ gossip?: Uint8Array }> {
  const gossip = await ownGossip(db);
  return gossip ? { gossip } : {};
}

/** Subscribes the session's gossip and post-quantum secret; returns the unsubscribers. */
export function keepSessionExtras(
  session: ChatSession,
  db: KeyringDB,
  peer: { handle: string; identityKey: Uint8Array },
  onGossip: (value: Uint8Array) => void,
  onSecretNotStored: () => void,
): (() => void)[] {
  return [
    session.on('contact-secret', (secret) => {
      storeContactSecret(db, peer.handle, peer.identityKey, secret)
        .catch(onSecretNotStored)
        .finally(() => secret.fill(0));
    }),
    session.on('gossip', onGossip),
  ];
}
