// Refusals several background services give in the same words: one place for each, so the code and the
// sentence a person reads stay the same wherever the request came in.
import { C2CError } from '@/lib/errors';

export const noIdentity = () => new C2CError('no-identity', 'Create your identity first.');
export const identityExists = () => new C2CError('identity-exists', 'This browser already has an identity.');
export const noPinnedContact = () => new C2CError('not-found', 'There is no pinned contact with that handle.');
export const notRegistered = () => new C2CError('no-relay', 'Set the relay address and register your handle there first.');
/** `before`: what the changed key blocks, e.g. "sending" or "chatting". */
export const keyChanged = (handle: string, before: string) =>
  new C2CError('key-changed', `The key of ${handle} changed since you pinned it. Verify the new key before ${before}.`);
