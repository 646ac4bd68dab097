// The fuzz engine sorts outcomes honestly: a typed refusal is not a finding, a property violation is a
// crash, any other exception is uncaught, a slow or unanswered input is a hang; findings are minimised;
// inputs are drawn again identically from the same seed.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../lib/bytes';
import { C2CError } from '../../../lib/errors';
import { check, runTarget, type Harness, type Target } from '../../../fuzz/engine';
import { mutateBytes, mutateText, mutateValue, shrinkText } from '../../../fuzz/mutate';
import { Rng } from '../../../fuzz/rng';

function target(run: Harness<string>['run'], generate: Harness<string>['generate'] = (rng) => 'x'.repeat(rng.range(1, 40))): Target<string> {
  return { name: 't', covers: '', smoke: 10, setup: async () => ({ generate, run, shrink: shrinkText, show: (s) => JSON.stringify(s) }) };
}

const opts = { iterations: 50, seed: 7, timeLimitMs: 100 };

describe('fuzz engine', () => {
  it('counts typed errors as refusals and returns as acceptance', async () => {
    const r = await runTarget(target((s) => {
      if (s.length % 2) throw new C2CError('malformed', 'odd');
    }), opts);
    expect(r.crashes + r.hangs + r.uncaught).toBe(0);
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.rejected).toBeGreaterThan(0);
    expect(r.accepted + r.rejected).toBe(50);
  });

  it('reports a violated property as a crash, minimised', async () => {
    const r = await runTarget(target((s) => check(s.length < 10, 'too long')), opts);
    expect(r.crashes).toBeGreaterThan(0);
    expect(r.findings[0]).toMatchObject({ kind: 'crash', message: 'too long', input: JSON.stringify('x'.repeat(10)) });
  });

  it('reports any other exception as uncaught', async () => {
    const r = await runTarget(target((s) => {
      if (s.length > 30) JSON.parse('{');
    }), opts);
    expect(r.uncaught).toBeGreaterThan(0);
    expect(r.findings[0]!.message).toMatch(/^SyntaxError/);
  });

  it('reports an input over the CPU time limit, or never answered, as a hang', async () => {
    const slow = await runTarget(target(() => {
      // 150 ms of CPU time, however loaded the machine is.
      const t0 = process.cpuUsage();
      while (process.cpuUsage(t0).user < 150_000);
    }), { ...opts, iterations: 2 });
    expect(slow.hangs).toBe(2);
    const never = await runTarget(target(() => new Promise<void>(() => undefined)), { ...opts, iterations: 2 });
    expect(never.hangs).toBe(2);
    expect(never.findings[0]!.message).toMatch(/no answer within 1000 ms/);
  });

  it('draws the same inputs from the same seed and index', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, (_, i) => {
      const rng = Rng.for(seed, i);
      return [toHex(mutateBytes(rng, new Uint8Array(32))), mutateText(rng, 'c2c2 hello'), JSON.stringify(mutateValue(rng, { a: [1, 'b'] }))].join();
    });
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});
