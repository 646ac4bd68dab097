// A refusal at the message boundary that is not a lib/ C2CError (no identity yet, a key changed, ...).
import type { ApiErrorCode } from '@/lib/protocol/background-api';

export class ApiFailure extends Error {
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiFailure';
    this.code = code;
  }
}
