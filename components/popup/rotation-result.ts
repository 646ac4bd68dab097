// The line the options page shows after "rotate now". The background answers only whether the new prekey
// reached the relay; not being registered (known to the page) tells the two reasons it may not have apart.
import type { MessageKey } from '../i18n';

export function rotationResultKey(published: boolean, registered: boolean): MessageKey {
  if (published) return 'prekeyRotatedPublished';
  return registered ? 'prekeyRotatedRelayFailed' : 'prekeyRotatedNotRegistered';
}
