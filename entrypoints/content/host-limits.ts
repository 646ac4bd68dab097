// What the content script learned about a host's message length: when a host splits our message into
// several of its own (it cut a part short), the token scanner remembers the length that got through, and
// the next compose overlay on that origin starts below it. Stored in extension storage (the page cannot
// reach it); what is read back is checked, since storage outlives versions and may hold anything.
import { browser } from 'wxt/browser';
import { MAX_DECLARED_LENGTH } from '@/lib/content/frames';

const KEY = 'hostPartLengths';
/** Oldest entries go first beyond this many origins. */
export const MAX_ORIGINS = 500;
const MAX_ORIGIN_LENGTH = 512;

type Lengths = Record<string, number>;

const isLength = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_DECLARED_LENGTH;
/** A web origin as `URL.origin` writes it (so no `__proto__` or other stray keys). */
function isOrigin(s: string): boolean {
  if (s.length > MAX_ORIGIN_LENGTH) return false;
  try {
    return new URL(s).origin === s;
  } catch {
    return false;
  }
}

/** The stored map, keeping only well-formed entries (in insertion order: oldest first). */
async function read(): Promise<Lengths> {
  const stored: unknown = (await browser.storage.local.get(KEY))[KEY];
  const lengths: Lengths = {};
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return lengths;
  for (const [origin, chars] of Object.entries(stored)) {
    if (isOrigin(origin) && isLength(chars)) lengths[origin] = chars;
  }
  return lengths;
}

/** The longest part this origin's host was seen to carry whole, if it ever split one of ours. */
export async function learnedPartLength(origin: string): Promise<number | undefined> {
  const lengths = await read();
  return Object.hasOwn(lengths, origin) ? lengths[origin] : undefined;
}

/** Remembers that `origin` carries at most `chars` characters a message (only ever lowers what is known). */
export async function rememberPartLength(origin: string, chars: number): Promise<void> {
  if (!isOrigin(origin) || !isLength(chars)) return;
  const lengths = await read();
  const known = lengths[origin];
  if (known !== undefined && known <= chars) return;
  // Re-inserted, so this origin becomes the newest and is kept longest.
  delete lengths[origin];
  lengths[origin] = chars;
  const origins = Object.keys(lengths);
  for (const old of origins.slice(0, Math.max(0, origins.length - MAX_ORIGINS))) delete lengths[old];
  await browser.storage.local.set({ [KEY]: lengths });
}
