// Post-quantum one-shot messages after a secure chat, in Chromium: tests/e2e/pq-tokens-flows.ts.
import { postQuantumTokensSuite } from './pq-tokens-flows';

postQuantumTokensSuite('chromium');
