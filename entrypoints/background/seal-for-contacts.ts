// Seals one v2 message to pinned contacts (the sender's own copy is implicit). The sender is named by key
// id: recipients know the sender's pinned key. A contact whose key changed since it was pinned blocks
// sending with its own code, so the UI can point the user at re-verifying that contact. Each message
// carries our relay's last verified key-log checkpoint as gossip (lib/keylog/gossip.ts), and is wrapped
// post-quantum to each contact with a post-quantum secret (lib/keyring/contact-secrets.ts).
import { utf8 } from '@/lib/bytes';
import type { Channel } from '@/lib/crypto/channel';
import { sealMessageV2 } from '@/lib/crypto/message-v2';
import { GOSSIP_EXTENSION } from '@/lib/keylog/gossip';
import { ownGossip } from '@/lib/keyring/log-states';
import { bundlesForSending, getContact } from '@/lib/keyring/contacts';
import { postQuantumForSending } from '@/lib/keyring/contact-secrets';
import type { KeyringDB } from '@/lib/keyring/db';
import { getSenderKeys } from '@/lib/keyring/identity-store';
import { keyChanged } from './refusals';

/** `channel`: where the message is sent (a site and conversation, or a mailbox); readers elsewhere refuse it. */
export async function sealForContacts(db: KeyringDB, handles: string[], plaintext: string, channel?: Channel): Promise<Uint8Array> {
  const unique = [...new Set(handles)];
  for (const handle of unique) {
    if ((await getContact(db, handle))?.keyChanged) {
      throw keyChanged(handle, 'sending');
    }
  }
  const bundles = await bundlesForSending(db, unique);
  const { identity } = await getSenderKeys(db);
  const gossip = await ownGossip(db);
  const extensions = gossip ? [{ type: GOSSIP_EXTENSION, value: gossip }] : [];
  // Post-quantum wraps for the contacts with whom a version-2 chat established a secret.
  const postQuantum = await postQuantumForSending(db, bundles.map((b, i) => ({ handle: unique[i]!, identityKey: b.identityKey })));
  try {
    return await sealMessageV2({
      identity,
      recipients: bundles,
      plaintext: utf8(plaintext),
      ...(channel ? { channel } : {}),
      ...(extensions.length > 0 ? { extensions } : {}),
      ...(postQuantum ? { postQuantum } : {}),
    });
  } finally {
    postQuantum?.self.fill(0);
    for (const secret of postQuantum?.contacts.values() ?? []) secret.fill(0);
  }
}
