// One error type for every decrypt/verify path, with a stable machine code and a plain-words message.
// The code drives UI wording and tests; the message never contains plaintext or key material.

export type C2CErrorCode =
  | 'malformed' // not our format at all, or a field has the wrong shape
  | 'unknown-version' // our format, but a version or suite we do not speak
  | 'checksum' // armor checksum mismatch: the text was altered in transit
  | 'truncated' // input ends early (missing bytes or missing parts)
  | 'tampered' // authentication failed: ciphertext, header or binding altered
  | 'not-addressed' // well-formed, but not encrypted to any key we hold
  | 'replayed' // this message id was already opened
  | 'wrong-channel' // sealed for another site, conversation or mailbox than where it is shown
  | 'bad-signature' // a signature (prekey, statement, legacy) does not verify
  | 'key-mismatch' // the sender's key is not the one expected/pinned
  | 'too-large' // over a size bound
  | 'wrong-passphrase' // backup could not be opened with this passphrase
  | 'weak-passphrase' // a new passphrase is too short to protect a backup
  | 'exists' // refusing to overwrite something that exists without explicit confirmation
  | 'unsupported' // a valid request the chosen suite cannot do
  | 'not-found'; // a key, contact or identity does not exist

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
