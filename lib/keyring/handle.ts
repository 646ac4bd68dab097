// Local handle rules for the keyring (own identity and contacts). One spelling per person:
// trimmed, NFC, lower case, so "Bob" and "bob" can never become two contacts with different keys.
import { utf8 } from '../bytes';
import { C2CError } from '../errors';
import { MAX_HANDLE_BYTES } from '../crypto/public-bundle';

export function normalizeKeyringHandle(handle: unknown): string {
  if (typeof handle !== 'string') throw new C2CError('malformed', 'A handle must be text.');
  const h = handle.trim().normalize('NFC').toLowerCase();
  const length = utf8(h).length;
  if (length === 0 || length > MAX_HANDLE_BYTES || /[\p{Cc}\p{Cf}\s]/u.test(h)) {
    throw new C2CError('malformed', `A handle is 1 to ${MAX_HANDLE_BYTES} bytes without spaces or control characters.`);
  }
  return h;
}
