// Prekey rotation: weekly from an alarm (checked daily, so a browser that was closed on the day catches up
// at its next start), and at once from the identity settings' "rotate now". The new signed prekey is
// published to the relay when we are registered there; retired private prekeys are kept only as long as
// messages to them may still arrive (lib/keyring/identity-store.ts, docs/KEYRING.md).
import { browser } from 'wxt/browser';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { PREKEY_ROTATION_MS } from '@/lib/crypto/prekey';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getSenderKeys, publicBundle, rotatePrekey } from '@/lib/keyring/identity-store';
import type { ResponseData } from '@/lib/protocol/background-api';
import { relayTarget } from './mailbox-service';
import { withRelay } from './relay-access';
import { NO_PROXY_SUPPORT, SettingsRelayRoute, type RelayRoute } from './relay-route';
import type { RegistrationStore } from './service';

export const ROTATION_ALARM = 'c2c-prekey-rotation';
/** How often the alarm looks whether the current prekey is due (a day: cheap, and robust to sleep). */
export const ROTATION_CHECK_MINUTES = 24 * 60;

/** Rotates now; publishes the new bundle if registered. A relay that cannot be reached leaves it unpublished. */
export async function rotateAndPublish(
  db: KeyringDB,
  registrations: RegistrationStore,
  route: RelayRoute,
  now = Date.now(),
): Promise<ResponseData<'rotatePrekey'>> {
  const info = await rotatePrekey(db, now);
  const target = await relayTarget(db, registrations);
  let published = false;
  if (target) {
    const { identity } = await getSenderKeys(db);
    const bundle = encodePublicBundle(await publicBundle(db));
    published = await withRelay(route, target.url, identity, (client) => client.rotatePrekey(bundle)).then(
      () => true,
      () => false,
    );
  }
  return { prekeyCreated: info.prekey.created, retainedPrekeys: info.retainedPrekeys, published };
}

/** The alarm's work: rotate when the current prekey is a week old (or older). Nothing without an identity. */
export async function rotateIfDue(
  db: KeyringDB,
  registrations: RegistrationStore,
  now = Date.now(),
  route: RelayRoute = new SettingsRelayRoute(db, NO_PROXY_SUPPORT),
): Promise<boolean> {
  const identity = await getIdentity(db);
  if (!identity || now - identity.prekey.created < PREKEY_ROTATION_MS) return false;
  await rotateAndPublish(db, registrations, route, now);
  return true;
}

/**
 * The weekly rotation: an alarm that fires daily (created once; the browser keeps it across restarts) and a
 * listener registered synchronously, so a worker woken by the alarm finds it in place.
 */
export function listenForRotationAlarm(db: KeyringDB, registrations: RegistrationStore, route: RelayRoute): void {
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === ROTATION_ALARM) void rotateIfDue(db, registrations, Date.now(), route).catch(() => undefined);
  });
  void browser.alarms.get(ROTATION_ALARM).then((existing) => {
    if (!existing) void browser.alarms.create(ROTATION_ALARM, { delayInMinutes: 1, periodInMinutes: ROTATION_CHECK_MINUTES });
  });
}
