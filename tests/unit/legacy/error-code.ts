import { C2CError } from '../../../lib/errors';

/** The C2CError code a synchronous call throws, or 'no error'; anything else is rethrown. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof C2CError) return e.code;
    throw e;
  }
  return 'no error';
}
