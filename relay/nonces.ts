// Challenge nonces drawn from a pooled CSPRNG buffer: one getRandomValues call per 256 connections
// instead of one per connection. Each nonce is a copy, never a view that a later refill could change.
import { randomFillSync } from 'node:crypto';
import { NONCE_LENGTH } from '../lib/protocol/relay';

const POOL = Buffer.alloc(NONCE_LENGTH * 256);
let at = POOL.length;

export function nextNonce(): Uint8Array {
  if (at + NONCE_LENGTH > POOL.length) {
    randomFillSync(POOL);
    at = 0;
  }
  const nonce = Uint8Array.prototype.slice.call(POOL, at, at + NONCE_LENGTH);
  at += NONCE_LENGTH;
  return nonce;
}
