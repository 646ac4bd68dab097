// User settings, each validated before it is stored (one row per setting).
import { MIN_PART_LENGTH } from '../armor/format';
import { C2CError } from '../errors';
import { ProxyUrlError, formatProxyUrl, parseProxyUrl } from '../relay-client/proxy-url';
import { splitRelayUrls } from '../relay-client/relay-urls';
import type { KeyringDB } from './db';

/** Security images the user can pick; shown only in extension-origin UI so a page cannot fake it. */
import { SECURITY_IMAGES, type SecurityImage } from '../protocol/security-images';

export { SECURITY_IMAGES, type SecurityImage };
export const LOCALES = ['en', 'ru'] as const;

export type Locale = (typeof LOCALES)[number];
/** How a site shows messages: frames in the page (inline) or the side panel (panel, not built yet). */
export const SITE_MODES = ['inline', 'panel'] as const;
export type SiteMode = (typeof SITE_MODES)[number];

export interface Settings {
  relayUrl?: string; // ws:// or wss://; several (one relay's nodes) separated by ", "
  proxy?: string; // socks5h://HOST:PORT (canonical form): the relay is reached only through it; absent: directly
  securityImage?: SecurityImage;
  securityColour?: string; // #rrggbb, lower case
  locale?: Locale; // overrides the browser's language
  partLengths?: Record<string, number>; // site origin → longest message that site accepts (armor part length)
  siteModes?: Record<string, SiteMode>; // site origin → how it shows messages; absent means inline
  backupMade?: number; // when the user last exported a backup (ms since 1970); absent: never
}
export type SettingKey = keyof Settings;

const MAX_URL_LENGTH = 2048;
/** Relay addresses in the setting: a cluster's nodes, tried in turn. */
export const MAX_RELAY_URLS = 8;

function isLoopbackOrOnion(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host.endsWith('.onion');
}

/** One relay URL of the setting, checked; `which` names it in errors when the list has several. */
function oneRelayUrl(text: string, which: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'ws:' && url.protocol !== 'wss:')) {
    throw new C2CError('malformed', `${which}The relay address must start with ws:// or wss://.`);
  }
  // Unencrypted ws:// only where the path is already private: this machine, or a Tor onion service.
  // Elsewhere the network would see who looks up which handle (and the extension's CSP does not upgrade).
  if (url.protocol === 'ws:' && !isLoopbackOrOnion(url.hostname)) {
    throw new C2CError('malformed', `${which}Use wss:// for a relay on another machine (ws:// is only for this computer or a .onion address).`);
  }
  // Credentials or a fragment in the address would be sent or logged where they do not belong.
  if (url.username || url.password || url.hash) {
    throw new C2CError('malformed', `${which}The relay address must not contain a user name, password or #fragment.`);
  }
  return text;
}

/** One relay address, or several (the nodes of one relay, tried in turn) separated by commas or spaces. */
function relayUrl(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  const tooLong = () => new C2CError('malformed', `The relay address is too long (at most ${MAX_URL_LENGTH} characters in all).`);
  if (text.length > MAX_URL_LENGTH) throw tooLong();
  const urls = splitRelayUrls(text);
  if (urls.length === 0) throw new C2CError('malformed', 'The relay address must start with ws:// or wss://.');
  if (urls.length > MAX_RELAY_URLS) throw new C2CError('malformed', `Give at most ${MAX_RELAY_URLS} relay addresses.`);
  const which = (i: number) => (urls.length === 1 ? '' : `Relay address ${i + 1} of ${urls.length}: `);
  const list = urls.map((u, i) => oneRelayUrl(u, which(i))).join(', ');
  // Separators become ", ": what is kept must pass this check again (a backup restored, say).
  if (list.length > MAX_URL_LENGTH) throw tooLong();
  return list;
}

function proxy(value: unknown): string {
  try {
    return formatProxyUrl(parseProxyUrl(typeof value === 'string' ? value : ''));
  } catch (e) {
    throw new C2CError('malformed', e instanceof ProxyUrlError ? `Proxy: ${e.message}.` : 'The proxy must look like socks5h://HOST:PORT.');
  }
}

function oneOf<T extends string>(allowed: readonly T[], what: string) {
  return (value: unknown): T => {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    throw new C2CError('malformed', `${what} must be one of: ${allowed.join(', ')}.`);
  };
}

function colour(value: unknown): string {
  if (typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)) return value.toLowerCase();
  throw new C2CError('malformed', 'The security colour must look like #1a2b3c.');
}

/** Armor's own minimum; the maximum only bounds what is stored. */
export const PART_LENGTH_RANGE = { min: MIN_PART_LENGTH, max: 100_000 } as const;
const MAX_PART_LENGTH_SITES = 500;
const MAX_SITE_LENGTH = 512;

/** The origin of a web page (scheme, host, port: nothing else), as the content script reports it. */
export function siteOrigin(value: unknown): string {
  let origin: string | undefined;
  try {
    origin = typeof value === 'string' && value.length <= MAX_SITE_LENGTH ? new URL(value).origin : undefined;
  } catch {
    origin = undefined;
  }
  if (origin === undefined || origin !== value || !/^https?:\/\//.test(origin)) {
    throw new C2CError('malformed', 'The site must be an http(s) origin such as https://chat.example.org.');
  }
  return origin;
}

export function partLength(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= PART_LENGTH_RANGE.min && value <= PART_LENGTH_RANGE.max) return value;
  throw new C2CError('malformed', `A message length must be a whole number from ${PART_LENGTH_RANGE.min} to ${PART_LENGTH_RANGE.max}.`);
}

function partLengths(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new C2CError('malformed', 'The message lengths must be a map of sites.');
  const entries = Object.entries(value);
  if (entries.length > MAX_PART_LENGTH_SITES) throw new C2CError('malformed', `Message lengths are kept for at most ${MAX_PART_LENGTH_SITES} sites.`);
  return Object.fromEntries(entries.map(([site, n]) => [siteOrigin(site), partLength(n)]));
}

const siteMode = oneOf(SITE_MODES, 'The site mode');

function siteModes(value: unknown): Record<string, SiteMode> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new C2CError('malformed', 'The site modes must be a map of sites.');
  const entries = Object.entries(value);
  if (entries.length > MAX_PART_LENGTH_SITES) throw new C2CError('malformed', `Site modes are kept for at most ${MAX_PART_LENGTH_SITES} sites.`);
  return Object.fromEntries(entries.map(([site, mode]) => [siteOrigin(site), siteMode(mode)]));
}

function timestamp(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new C2CError('malformed', 'A time must be a positive whole number of milliseconds.');
}

const VALIDATORS: { [K in SettingKey]-?: (value: unknown) => NonNullable<Settings[K]> } = {
  relayUrl,
  proxy,
  securityImage: oneOf(SECURITY_IMAGES, 'The security image'),
  securityColour: colour,
  locale: oneOf(LOCALES, 'The language'),
  partLengths,
  siteModes,
  backupMade: timestamp,
};

function validKey(key: unknown): SettingKey {
  if (typeof key === 'string' && Object.hasOwn(VALIDATORS, key)) return key as SettingKey;
  throw new C2CError('malformed', 'Unknown setting.');
}

/** Validates a partial settings object; `undefined` or `null` means "clear this setting". */
export function validateSettings(changes: Record<string, unknown>): Array<[SettingKey, unknown]> {
  return Object.entries(changes).map(([key, value]) => {
    const k = validKey(key);
    return [k, value === undefined || value === null ? undefined : VALIDATORS[k](value)];
  });
}

export async function getSettings(db: KeyringDB): Promise<Settings> {
  const out: Record<string, unknown> = {};
  for (const row of await db.settings.toArray()) if (Object.hasOwn(VALIDATORS, row.key)) out[row.key] = row.value;
  return out as Settings;
}

export async function getSetting<K extends SettingKey>(db: KeyringDB, key: K): Promise<Settings[K] | undefined> {
  return (await db.settings.get(validKey(key)))?.value as Settings[K] | undefined;
}

/** All changes are validated first, then written in one transaction: all or nothing. */
export async function setSettings(db: KeyringDB, changes: Partial<Record<SettingKey, unknown>>): Promise<Settings> {
  const valid = validateSettings(changes);
  await db.transaction('rw', db.settings, async () => {
    for (const [key, value] of valid) {
      if (value === undefined) await db.settings.delete(key);
      else await db.settings.put({ key, value });
    }
  });
  return getSettings(db);
}

export async function setSetting<K extends SettingKey>(db: KeyringDB, key: K, value: Settings[K] | null | undefined): Promise<void> {
  await setSettings(db, { [key]: value });
}

/** The site's mode; a site never set is inline. */
export async function getSiteMode(db: KeyringDB, site: string): Promise<SiteMode> {
  const all = (await getSetting(db, 'siteModes')) ?? {};
  const origin = siteOrigin(site);
  return Object.hasOwn(all, origin) ? all[origin]! : 'inline';
}

/** Stores the site's mode (inline, the default, is stored as no entry); answers what is now stored. */
export async function setSiteMode(db: KeyringDB, site: string, mode: unknown): Promise<SiteMode> {
  const origin = siteOrigin(site);
  const chosen = siteMode(mode);
  const all = { ...((await getSetting(db, 'siteModes')) ?? {}) };
  if (chosen === 'inline') delete all[origin];
  else all[origin] = chosen;
  await setSetting(db, 'siteModes', Object.keys(all).length > 0 ? all : null);
  return getSiteMode(db, origin);
}
