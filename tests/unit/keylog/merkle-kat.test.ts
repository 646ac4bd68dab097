// Known answers for lib/keylog/merkle.ts from transparency-dev/merkle (sources in merkle-vectors.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../lib/bytes';
import { consistencyProof, EMPTY_ROOT, hashChildren, hashLeaf, inclusionProof, MemoryTree, rootOfLeafHashes, treeRoot, verifyConsistency, verifyInclusion } from '../../../lib/keylog/merkle';
import { CONSISTENCY_PROOFS, INCLUSION_PROOFS, LEAF_INPUTS, NODE_HASHES, PROBES, ROOTS } from './merkle-vectors';

const leafHashes = LEAF_INPUTS.map((hex) => hashLeaf(fromHex(hex)));
const tree = new MemoryTree(leafHashes);
const hexes = (list: Uint8Array[]) => list.map(toHex);

describe('Merkle tree hashing (RFC 6962 / RFC 9162), transparency-dev/merkle vectors', () => {
  it('hashes leaves and inner nodes with the 0x00 / 0x01 prefixes (checked on node:crypto too)', () => {
    const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
    const data = fromHex(LEAF_INPUTS[3]!);
    expect(toHex(hashLeaf(data))).toBe(toHex(sha(new Uint8Array([0]), data)));
    expect(toHex(hashChildren(leafHashes[0]!, leafHashes[1]!))).toBe(toHex(sha(new Uint8Array([1]), leafHashes[0]!, leafHashes[1]!)));
  });

  it('every perfect subtree of the 8-leaf tree has the recorded node hash', () => {
    NODE_HASHES.forEach((row, level) => row.forEach((hash, index) => expect(toHex(tree.node(level, index))).toBe(hash)));
  });

  it('the roots of sizes 0..8 are the recorded ones, by both root functions', () => {
    expect(toHex(EMPTY_ROOT)).toBe(ROOTS[0]);
    ROOTS.forEach((root, size) => {
      expect(toHex(treeRoot(tree, size))).toBe(root);
      expect(toHex(rootOfLeafHashes(leafHashes.slice(0, size)))).toBe(root);
    });
  });

  it.each(INCLUSION_PROOFS)('inclusion proof of leaf $index in size $size is generated and verifies', ({ index, size, proof }) => {
    expect(hexes(inclusionProof(tree, index, size))).toEqual(proof);
    expect(hexes(inclusionProof(leafHashes.slice(0, size), index))).toEqual(proof);
    const check = verifyInclusion(leafHashes[index]!, index, size, proof.map(fromHex), fromHex(ROOTS[size]!));
    expect(check).toEqual({ ok: true });
  });

  it.each(CONSISTENCY_PROOFS)('consistency proof $size1 → $size2 is generated and verifies', ({ size1, size2, proof }) => {
    expect(hexes(consistencyProof(tree, size1, size2))).toEqual(proof);
    expect(hexes(consistencyProof(leafHashes.slice(0, size2), size1))).toEqual(proof);
    const check = verifyConsistency(size1, size2, fromHex(ROOTS[size1]!), fromHex(ROOTS[size2]!), proof.map(fromHex));
    expect(check).toEqual({ ok: true });
  });

  it.each(PROBES.inclusion)('inclusion probe $file', (p) => {
    const check = verifyInclusion(fromHex(p.leafHash), p.leafIdx, p.treeSize, p.proof.map(fromHex), fromHex(p.root));
    expect(check.ok).toBe(!p.wantErr);
  });

  // One deliberate difference: transparency-dev accepts equal sizes with equal 12-byte "roots"; we refuse
  // any root that is not 32 bytes, as no SHA-256 tree has one.
  const STRICTER = 'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json';

  it.each(PROBES.consistency)('consistency probe $file', (p) => {
    const check = verifyConsistency(p.size1, p.size2, fromHex(p.root1), fromHex(p.root2), p.proof.map(fromHex));
    if (p.file === STRICTER) expect(check).toEqual({ ok: false, reason: 'bad-argument' });
    else expect(check.ok).toBe(!p.wantErr);
  });

  it('the same edge cases with well-formed 32-byte roots give the specific reasons', () => {
    const [a, b] = [fromHex(ROOTS[1]!), fromHex(ROOTS[2]!)];
    expect(verifyConsistency(1, 1, a, a, [])).toEqual({ ok: true });
    expect(verifyConsistency(1, 1, a, b, [])).toEqual({ ok: false, reason: 'root-mismatch' });
    expect(verifyConsistency(1, 1, a, a, [a])).toEqual({ ok: false, reason: 'proof-too-long' });
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toEqual({ ok: true });
    expect(verifyConsistency(0, 0, a, a, [])).toEqual({ ok: false, reason: 'root-mismatch' });
    expect(verifyConsistency(0, 1, EMPTY_ROOT, a, [])).toEqual({ ok: false, reason: 'empty-first-tree' });
    expect(verifyConsistency(2, 1, b, a, [])).toEqual({ ok: false, reason: 'tree-shrank' });
    expect(verifyConsistency(1, 2, a, b, [])).toEqual({ ok: false, reason: 'proof-too-short' });
    expect(verifyInclusion(a, 0, 0, [], EMPTY_ROOT)).toEqual({ ok: false, reason: 'index-out-of-range' });
    expect(verifyInclusion(a, 1, 1, [], a)).toEqual({ ok: false, reason: 'index-out-of-range' });
    expect(verifyInclusion(a, 0, 1, [], a)).toEqual({ ok: true });
  });
});
