// One error type for lib/ and the background alike, with a stable machine code and a plain-words message.
// The code drives UI wording and tests; the message never contains plaintext or key material.

/** Every machine code an error can carry, from lib/ and from the background's message boundary alike. */
export const ERROR_CODES = [
  'malformed', // not our format at all, or a field has the wrong shape
  'unknown-version', // our format, but a version or suite we do not speak
  'checksum', // armor checksum mismatch: the text was altered in transit
  'truncated', // input ends early (missing bytes or missing parts)
  'tampered', // authentication failed: ciphertext, header or binding altered
  'not-addressed', // well-formed, but not encrypted to any key we hold
  'replayed', // this message id was already opened
  'wrong-channel', // sealed for another site, conversation or mailbox than where it is shown
  'bad-signature', // a signature (prekey, statement, legacy) does not verify
  'key-mismatch', // the sender's key is not the one expected/pinned
  'too-large', // over a size bound
  'wrong-passphrase', // backup could not be opened with this passphrase
  'weak-passphrase', // a new passphrase is too short to protect a backup
  'exists', // refusing to overwrite something that exists without explicit confirmation
  'unsupported', // a valid request the chosen suite cannot do
  'not-found', // a key, contact or identity does not exist
  'bad-request', // a request failed schema validation
  'forbidden', // the sender is not an extension page, or its view may not make this request
  'not-enabled', // a message frame on a site the user did not enable (background/frame-entitlement.ts)
  'no-identity', // the request needs an identity and none exists yet
  'identity-exists', // createIdentity when one already exists
  'key-changed', // a pinned contact's key changed: sending is blocked until the user re-verifies
  'unavailable', // the background could not be reached (asleep, restarting) after retries
  'no-relay', // no relay address is set, or this handle is not registered there
  'relay-unreachable', // the relay did not answer or dropped the connection
  'relay-refused', // the relay answered with an error
  'proxy-unavailable', // a proxy is set, but the browser could not route the relay connection through it
  'handle-taken', // the relay has this handle registered to someone else
  'no-legacy-key', // a legacy operation needs the user's legacy key and none was created
  'user-action-required', // a legacy message is opened only on a click (decrypt with userAction: true)
  'card-prekey-swapped', // a contact card's prekey is not signed by its identity key
  'card-forged', // a contact card's self-signature does not verify: handle or keys changed
  'expired', // a time-limited token (a peer-to-peer offer or answer) is older than its window
  'foreign-fingerprint', // a peer-to-peer DTLS fingerprint is not the one the contact's identity key signed
  'log-inconsistent', // the relay's key log contradicts itself or what we kept: the key was not trusted
  'internal', // a bug: details are not shown
] as const;
export type C2CErrorCode = (typeof ERROR_CODES)[number];

export class C2CError extends Error {
  readonly code: C2CErrorCode;
  constructor(code: C2CErrorCode, message: string) {
    super(message);
    this.name = 'C2CError';
    this.code = code;
  }
}

export function isC2CError(e: unknown, code?: C2CErrorCode): e is C2CError {
  return e instanceof C2CError && (code === undefined || e.code === code);
}
