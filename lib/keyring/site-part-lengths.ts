// The longest message each site accepts, as the user set it in the compose overlay (one setting row,
// keyed by site origin). Armor splits ciphertext into parts no longer than this.
import type { KeyringDB } from './db';
import { getSetting, partLength, setSetting, siteOrigin } from './settings';

export async function sitePartLength(db: KeyringDB, site: string): Promise<number | null> {
  const all = (await getSetting(db, 'partLengths')) ?? {};
  const origin = siteOrigin(site);
  return Object.hasOwn(all, origin) ? all[origin]! : null;
}

/** Remembers (or, with null, forgets) the site's length; answers what is now stored. */
export async function setSitePartLength(db: KeyringDB, site: string, length: number | null): Promise<number | null> {
  const origin = siteOrigin(site);
  const all = { ...((await getSetting(db, 'partLengths')) ?? {}) };
  if (length === null) delete all[origin];
  else all[origin] = partLength(length);
  await setSetting(db, 'partLengths', Object.keys(all).length > 0 ? all : null);
  return sitePartLength(db, origin);
}
