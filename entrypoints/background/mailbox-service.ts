// The background requests served over the persistent relay connection: the inbox and sending to a
// pinned contact's mailbox. Also decides when that connection should exist (relayTarget).
import type { KeyringDB } from '@/lib/keyring/db';
import { getContact } from '@/lib/keyring/contacts';
import { getIdentity } from '@/lib/keyring/identity-store';
import { getSetting } from '@/lib/keyring/settings';
import type { RelayConnectionState } from '@/lib/protocol/background-api';
import { RelayError } from '@/lib/relay-client/client';
import { noIdentity, noPinnedContact, notRegistered } from './refusals';
import type { Inbox } from './inbox';
import { relayFailure } from './relay-access';
import type { RelayConnection, RelayTarget } from './relay-connection';
import type { BackgroundService } from './router';
import { sealForContacts } from './seal-for-contacts';
import type { RegistrationStore } from './service';

/** The relay to stay connected to: set, and confirmed to have our current handle registered. */
export async function relayTarget(db: KeyringDB, registrations: RegistrationStore): Promise<RelayTarget | undefined> {
  const identity = await getIdentity(db);
  const url = await getSetting(db, 'relayUrl');
  const registration = await registrations.get();
  if (!identity || !url || registration?.relayUrl !== url || registration.handle !== identity.handle) return undefined;
  return { url, handle: identity.handle, fingerprint: identity.fingerprint, proxy: (await getSetting(db, 'proxy')) ?? '' };
}

export interface MailboxService extends Pick<BackgroundService, 'getInbox' | 'sendToContact'> {
  /** Syncs the connection with the current settings first (a cheap check), then reports its state. */
  connection(): Promise<RelayConnectionState>;
}

export function createMailboxService(db: KeyringDB, connection: RelayConnection, inbox: Inbox): MailboxService {
  return {
    connection: () => connection.sync(),

    async getInbox() {
      return { items: inbox.list() };
    },

    async sendToContact({ handle, plaintext }) {
      if (!(await getIdentity(db))) throw noIdentity();
      const contact = await getContact(db, handle);
      if (!contact) throw noPinnedContact();
      // Bound to this mailbox: a copy posted into a page or another mailbox reads as wrong-channel.
      const sealed = await sealForContacts(db, [contact.handle], plaintext, { kind: 'mailbox', mailbox: contact.handle });
      try {
        await connection.send(contact.handle, sealed);
        return { delivery: 'accepted' };
      } catch (e) {
        // No connection because we are not registered, or the relay no longer knows our key.
        if (e instanceof RelayError && e.code === 'not-registered') {
          throw notRegistered();
        }
        throw relayFailure(e);
      }
    },
  };
}
