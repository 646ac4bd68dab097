import type { ApiError } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, type MessageKey } from '../i18n';

/** Input refused by the schema or the keyring gets a message about that field; others, their code's. */
export function errorKey(error: ApiError, invalidInputKey: MessageKey = ERROR_MESSAGE_KEY[error.code]): MessageKey {
  return error.code === 'bad-request' || error.code === 'malformed' ? invalidInputKey : ERROR_MESSAGE_KEY[error.code];
}
