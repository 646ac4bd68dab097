// The fuzz smoke: every target of fuzz/targets.ts for its `smoke` count of inputs (10,000 for the cheap
// decoders, fewer where an input costs public-key operations, an RSA decryption or a scrypt derivation),
// with a fixed seed. Any crash, hang or uncaught exception fails, with the minimised input in the message.
// The full campaign is `npm run fuzz` (docs/TESTING.md, "Fuzzing").
import { describe, expect, it } from 'vitest';
import { runTarget } from '../../../fuzz/engine';
import { TARGETS } from '../../../fuzz/targets';

describe('fuzz smoke', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${target.smoke} inputs, no crash, hang or uncaught exception`, async () => {
      const report = await runTarget(target, { iterations: target.smoke, seed: 1, timeLimitMs: 5_000 });
      expect(report.findings.map((f) => `${f.kind}: ${f.message}\n  input: ${f.input}`)).toEqual([]);
      expect({ crashes: report.crashes, hangs: report.hangs, uncaught: report.uncaught }).toEqual({ crashes: 0, hangs: 0, uncaught: 0 });
      expect(report.inputs).toBe(target.smoke);
      expect(report.accepted + report.rejected).toBe(report.inputs);
    }, 120_000);
  }
});
