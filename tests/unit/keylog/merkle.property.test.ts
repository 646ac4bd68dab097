// lib/keylog/merkle.ts against a naive reference written straight from RFC 9162 §2.1 (recursion over
// copied arrays), on trees of 0..300 leaves: every proof it generates matches the reference and verifies,
// and any change to a proof, a root, an index or a size makes verification fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../lib/bytes';
import { consistencyPlan, consistencyProof, EMPTY_ROOT, hashChildren, hashLeaf, inclusionProof, MemoryTree, rootOfLeafHashes, treeRoot, verifyConsistency, verifyInclusion, type NodeSource } from '../../../lib/keylog/merkle';

const MAX_SIZE = 300;

// ---- The reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, word for word. ----
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return EMPTY_ROOT;
  if (d.length === 1) return d[0]!;
  const k = split(d.length);
  return hashChildren(mth(d.slice(0, k)), mth(d.slice(k)));
}

function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), mth(d.slice(k))] : [...refPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}

function refSubproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

// ---- Fixtures: one 300-leaf log; every smaller tree is a prefix of it. ----
function leafData(i: number): Uint8Array {
  return new TextEncoder().encode(`key event ${i}`);
}

const leaves = Array.from({ length: MAX_SIZE }, (_, i) => hashLeaf(leafData(i)));
const tree = new MemoryTree(leaves);
const roots = Array.from({ length: MAX_SIZE + 1 }, (_, n) => mth(leaves.slice(0, n)));
const hexes = (list: Uint8Array[]) => list.map(toHex);

/** Every way to spoil a proof: each single-byte change, each truncation and removal, each insertion. */
function spoiled(proof: Uint8Array[], extra: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  proof.forEach((hash, i) => {
    for (const at of [0, 13, 31]) {
      const changed = hash.slice();
      changed[at]! ^= 0x01 << (i % 8);
      out.push(proof.map((h, j) => (j === i ? changed : h)));
    }
    out.push(proof.slice(0, i)); // truncated before i
    out.push(proof.filter((_, j) => j !== i)); // element i removed
    out.push([...proof.slice(0, i), extra, ...proof.slice(i)]); // a hash inserted at i
  });
  out.push([...proof, extra]);
  if (proof.length > 1) out.push([...proof].reverse());
  return out;
}

const sizeArb = fc.integer({ min: 1, max: MAX_SIZE });
const extraArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('Merkle tree: generation matches the RFC reference', () => {
  it('roots of every size 0..300 by treeRoot, rootOfLeafHashes and a MemoryTree grown leaf by leaf', () => {
    const grown = new MemoryTree();
    for (let n = 0; n <= MAX_SIZE; n++) {
      expect(toHex(treeRoot(tree, n))).toBe(toHex(roots[n]!));
      expect(toHex(rootOfLeafHashes(leaves.slice(0, n)))).toBe(toHex(roots[n]!));
      expect(toHex(treeRoot(grown))).toBe(toHex(roots[n]!));
      if (n < MAX_SIZE) expect(grown.append(leaves[n]!)).toBe(n);
    }
  });

  it('every inclusion proof in every tree up to 64 leaves equals PATH(m, D[n])', () => {
    for (let n = 1; n <= 64; n++) {
      for (let i = 0; i < n; i++) expect(hexes(inclusionProof(tree, i, n))).toEqual(hexes(refPath(i, leaves.slice(0, n))));
    }
  });

  it('every consistency proof between trees up to 64 leaves equals PROOF(m, D[n])', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const want = m === n ? [] : refSubproof(m, leaves.slice(0, n), true);
        expect(hexes(consistencyProof(tree, m, n))).toEqual(hexes(want));
      }
    }
  });

  it('sampled proofs in larger trees equal the reference too', () => {
    fc.assert(
      fc.property(sizeArb, fc.nat(), fc.nat(), (n, a, b) => {
        const d = leaves.slice(0, n);
        expect(hexes(inclusionProof(tree, a % n, n))).toEqual(hexes(refPath(a % n, d)));
        const m = 1 + (b % n);
        expect(hexes(consistencyProof(tree, m, n))).toEqual(hexes(m === n ? [] : refSubproof(m, d, true)));
      }),
      { numRuns: 200 },
    );
  });

  it('reads only complete perfect subtrees, each within the tree size asked for', () => {
    const reads: string[] = [];
    const watched: NodeSource = {
      size: MAX_SIZE,
      node(level, index) {
        expect((index + 1) * 2 ** level).toBeLessThanOrEqual(watching);
        reads.push(`${level}/${index}`);
        return tree.node(level, index);
      },
    };
    let watching = 0;
    for (watching = 1; watching <= MAX_SIZE; watching += 7) {
      inclusionProof(watched, watching - 1, watching);
      consistencyProof(watched, Math.ceil(watching / 3), watching);
      treeRoot(watched, watching);
    }
    expect(reads.length).toBeGreaterThan(0);
  });

  it('refuses to generate proofs for impossible arguments (programming errors throw RangeError)', () => {
    expect(() => inclusionProof(tree, 5, 5)).toThrow(RangeError);
    expect(() => inclusionProof(tree, 0, 0)).toThrow(RangeError);
    expect(() => inclusionProof(tree, -1, 5)).toThrow(RangeError);
    expect(() => inclusionProof(tree, 0, MAX_SIZE + 1)).toThrow(RangeError);
    expect(() => consistencyProof(tree, 0, 5)).toThrow(RangeError);
    expect(() => consistencyProof(tree, 6, 5)).toThrow(RangeError);
    expect(() => consistencyPlan(1.5, 5)).toThrow(RangeError);
    expect(() => new MemoryTree([new Uint8Array(31)])).toThrow(RangeError);
    expect(() => tree.node(9, 0)).toThrow(RangeError); // 512 leaves: not complete
  });
});

describe('Merkle tree: verification', () => {
  it('every inclusion proof of every leaf in every tree of 1..300 leaves verifies', () => {
    for (let n = 1; n <= MAX_SIZE; n++) {
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(leaves[i]!, i, n, inclusionProof(tree, i, n), roots[n]!)).toEqual({ ok: true });
      }
    }
  });

  it('every consistency proof from every m to every n ≤ 300, m ≤ n, sampled by n, verifies', () => {
    for (let n = 1; n <= MAX_SIZE; n += n < 40 ? 1 : 13) {
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, consistencyProof(tree, m, n))).toEqual({ ok: true });
      }
    }
  });

  it('a spoiled inclusion proof, another index, another size or another leaf fails', () => {
    fc.assert(
      fc.property(sizeArb, fc.nat(), fc.nat(), extraArb, (n, a, b, extra) => {
        const i = a % n;
        const proof = inclusionProof(tree, i, n);
        for (const bad of spoiled(proof, extra)) expect(verifyInclusion(leaves[i]!, i, n, bad, roots[n]!).ok).toBe(false);
        if (n > 1) {
          const j = (i + 1 + (b % (n - 1))) % n; // any other index
          expect(verifyInclusion(leaves[i]!, j, n, proof, roots[n]!).ok).toBe(false);
          expect(verifyInclusion(leaves[j]!, j, n, proof, roots[n]!).ok).toBe(false);
          expect(verifyInclusion(leaves[j]!, i, n, proof, roots[n]!).ok).toBe(false);
        }
        const other = 1 + ((n + b) % MAX_SIZE); // any other size, with that tree's root
        if (other !== n && i < other) expect(verifyInclusion(leaves[i]!, i, other, proof, roots[other]!).ok).toBe(false);
        expect(verifyInclusion(leaves[i]!, i, n, proof, extra).ok).toBe(false);
        expect(verifyInclusion(leaves[i]!, n + b, n, proof, roots[n]!)).toEqual({ ok: false, reason: 'index-out-of-range' });
      }),
      { numRuns: 300 },
    );
  });

  it('a spoiled consistency proof, other sizes or other roots fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: MAX_SIZE }), fc.nat(), fc.nat(), extraArb, (n, a, b, extra) => {
        const m = 1 + (a % (n - 1)); // m < n
        const proof = consistencyProof(tree, m, n);
        for (const bad of spoiled(proof, extra)) expect(verifyConsistency(m, n, roots[m]!, roots[n]!, bad).ok).toBe(false);
        const otherM = 1 + ((m + b) % (n - 1));
        if (otherM !== m) expect(verifyConsistency(otherM, n, roots[otherM]!, roots[n]!, proof).ok).toBe(false);
        const otherN = m + 1 + ((n + b) % (MAX_SIZE - m));
        if (otherN !== n) expect(verifyConsistency(m, otherN, roots[m]!, roots[otherN]!, proof).ok).toBe(false);
        expect(verifyConsistency(m, n, extra, roots[n]!, proof).ok).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, extra, proof).ok).toBe(false);
        expect(verifyConsistency(n, m, roots[n]!, roots[m]!, proof)).toEqual({ ok: false, reason: 'tree-shrank' });
      }),
      { numRuns: 300 },
    );
  });

  it('says which way a proof is wrong', () => {
    const proof = inclusionProof(tree, 5, 100);
    const extra = hashLeaf(leafData(-1));
    expect(verifyInclusion(leaves[5]!, 5, 100, proof.slice(0, -1), roots[100]!)).toEqual({ ok: false, reason: 'proof-too-short' });
    expect(verifyInclusion(leaves[5]!, 5, 100, [...proof, extra], roots[100]!)).toEqual({ ok: false, reason: 'proof-too-long' });
    expect(verifyInclusion(extra, 5, 100, proof, roots[100]!)).toEqual({ ok: false, reason: 'root-mismatch' });
    const cons = consistencyProof(tree, 7, 100); // 7 is not a power of two: the proof rebuilds the old root
    const changed = cons.map((h, i) => (i === 0 ? extra : h));
    expect(verifyConsistency(7, 100, roots[7]!, roots[100]!, changed)).toEqual({ ok: false, reason: 'first-root-mismatch' });
    expect(verifyConsistency(7, 100, roots[7]!, roots[100]!, cons.slice(0, -1))).toEqual({ ok: false, reason: 'proof-too-short' });
    expect(verifyConsistency(7, 100, roots[7]!, roots[100]!, [...cons, extra])).toEqual({ ok: false, reason: 'proof-too-long' });
  });

  it('never throws on garbage: wrong types, lengths, huge or fractional numbers', () => {
    const root = roots[10]!;
    const proof = inclusionProof(tree, 3, 10);
    const garbage: unknown[] = [null, undefined, 'abc', 7, {}, [null], [new Uint8Array(31)], [new Uint8Array(33)], new Array(65).fill(root)];
    for (const g of garbage) {
      expect(verifyInclusion(leaves[3]!, 3, 10, g as Uint8Array[], root).ok).toBe(false);
      expect(verifyConsistency(3, 10, roots[3]!, root, g as Uint8Array[]).ok).toBe(false);
      expect(verifyInclusion(g as Uint8Array, 3, 10, proof, root).ok).toBe(false);
      expect(verifyInclusion(leaves[3]!, 3, 10, proof, g as Uint8Array).ok).toBe(false);
      expect(verifyInclusion(leaves[3]!, g as number, 10, proof, root).ok).toBe(false);
      expect(verifyConsistency(g as number, 10, roots[3]!, root, proof).ok).toBe(false);
    }
    for (const n of [-1, 1.5, NaN, Infinity, 2 ** 53, Number.MAX_VALUE]) {
      expect(verifyInclusion(leaves[3]!, 3, n, proof, root)).toEqual({ ok: false, reason: 'bad-argument' });
      expect(verifyConsistency(3, n, roots[3]!, root, proof)).toEqual({ ok: false, reason: 'bad-argument' });
    }
    // The largest sizes still run the RFC loop exactly (no 32-bit shifts): a short proof is short.
    const big = Number.MAX_SAFE_INTEGER;
    expect(verifyInclusion(leaves[0]!, big - 1, big, proof, root)).toEqual({ ok: false, reason: 'proof-too-short' });
    expect(verifyConsistency(big - 2, big, root, root, proof)).toEqual({ ok: false, reason: 'proof-too-short' });
  });
});
