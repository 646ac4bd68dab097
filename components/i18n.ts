// Every user-visible string comes from public/_locales via browser.i18n. The key type is taken from the
// English catalogue, so a key used in code but missing there fails the type check.
import { browser } from 'wxt/browser';
import type { ApiErrorCode } from '@/lib/protocol/background-api';

export type MessageKey = keyof typeof import('../public/_locales/en/messages.json');

/** `substitutions` fill the message's placeholders ($HANDLE$ and the like), in order. */
export function t(key: MessageKey, substitutions?: string | string[]): string {
  return substitutions === undefined ? browser.i18n.getMessage(key) : browser.i18n.getMessage(key, substitutions);
}

/** The plain-words text shown for each failure code. */
export const ERROR_MESSAGE_KEY: Record<ApiErrorCode, MessageKey> = {
  malformed: 'errorMalformed',
  'unknown-version': 'errorUnknownVersion',
  checksum: 'errorChecksum',
  truncated: 'errorTruncated',
  tampered: 'errorTampered',
  'not-addressed': 'errorNotAddressed',
  replayed: 'errorReplayed',
  'wrong-channel': 'errorWrongChannel',
  'bad-signature': 'errorBadSignature',
  'key-mismatch': 'errorKeyMismatch',
  'too-large': 'errorTooLarge',
  'wrong-passphrase': 'errorWrongPassphrase',
  'weak-passphrase': 'errorWeakPassphrase',
  exists: 'errorExists',
  unsupported: 'errorUnsupported',
  'not-found': 'errorNotFound',
  'bad-request': 'errorBadRequest',
  forbidden: 'errorForbidden',
  'not-enabled': 'errorNotEnabled',
  'no-identity': 'errorNoIdentity',
  'identity-exists': 'errorIdentityExists',
  'key-changed': 'errorKeyChanged',
  unavailable: 'errorUnavailable',
  'no-relay': 'errorNoRelay',
  'relay-unreachable': 'errorRelayUnreachable',
  'relay-refused': 'errorRelayRefused',
  'proxy-unavailable': 'errorProxyUnavailable',
  'handle-taken': 'errorHandleTaken',
  'log-inconsistent': 'errorLogInconsistent',
  'no-legacy-key': 'errorNoLegacyKey',
  'user-action-required': 'errorUserActionRequired',
  'card-prekey-swapped': 'errorCardPrekeySwapped',
  'card-forged': 'errorCardForged',
  expired: 'errorExpired',
  'foreign-fingerprint': 'errorForeignFingerprint',
  internal: 'errorInternal',
};
