// RFC 9162 §2.1 Merkle tree hashing (the tree of RFC 6962) with SHA-256, as the key log uses it.
// Sizes and indexes are safe integers, so arithmetic uses / and % rather than 32-bit bitwise operators.
//
// Proof generation reads only hashes of *perfect* subtrees (2^level leaves starting at a multiple of
// 2^level). In an append-only log those never change once complete, so a store can keep them by
// (level, index) and answer for any past tree size. The plan functions say which of them a proof needs
// (an async store can fetch them in one query); the proof functions read them from a `NodeSource`.
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../bytes';

export const HASH_LENGTH = 32;

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** Safe-integer sizes are below 2^53, so no perfect subtree is taller than this. */
const MAX_LEVEL = 52;

/** More hashes than any proof for a safe-integer size holds (about one per level, plus one). */
const MAX_PROOF_LENGTH = 64;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** Leaf hash: SHA-256(0x00 || leaf). The prefixes keep a leaf from posing as an inner node. */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  return sha256.create().update(LEAF_PREFIX).update(leaf).digest();
}

/** Inner node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
}

/** A perfect subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Where proof generation reads perfect-subtree hashes: in memory now, a database later. */
export interface NodeSource {
  /** Leaves appended so far; proofs may be asked for any size up to this. */
  readonly size: number;
  /** Hash of a complete perfect subtree within `size` leaves; level 0 is the leaf hashes. */
  node(level: number, index: number): Uint8Array;
}

/**
 * The perfect subtrees of MTH(D[start:end]), left to right. Every range the RFC's recursion visits starts
 * at a multiple of a power of two at least as large as the range, so these pieces are aligned.
 */
function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let at = start;
  for (let level = MAX_LEVEL; level >= 0; level--) {
    const width = 2 ** level;
    if (end - at >= width) {
      nodes.push({ level, index: at / width });
      at += width;
    }
  }
  return nodes;
}

/** MTH over a list of perfect subtrees, left to right: the smaller ones on the right nest deepest. */
export function foldNodes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i]!, acc);
  return acc;
}

/** k of the RFC's split: the largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkSize(size: number, name: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
}

/** The nodes each element of an inclusion proof folds (RFC 9162 §2.1.3.1 PATH), leaf to root. */
export function inclusionPlan(index: number, size: number): NodeId[][] {
  checkSize(size, 'size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError('index must be below size');
  const plan: NodeId[][] = [];
  // PATH(m, D[start:end]) walks down to the leaf; each level adds the sibling range on the way back up.
  const path = (m: number, start: number, end: number): void => {
    if (end - start === 1) return;
    const k = split(end - start);
    if (m < k) {
      path(m, start, start + k);
      plan.push(rangeNodes(start + k, end));
    } else {
      path(m - k, start + k, end);
      plan.push(rangeNodes(start, start + k));
    }
  };
  path(index, 0, size);
  return plan;
}

/** The nodes each element of a consistency proof folds (RFC 9162 §2.1.4.1 PROOF), 0 < first ≤ second. */
export function consistencyPlan(first: number, second: number): NodeId[][] {
  checkSize(first, 'first');
  checkSize(second, 'second');
  if (first === 0 || first > second) throw new RangeError('consistency needs 0 < first <= second');
  const plan: NodeId[][] = [];
  // SUBPROOF(m, D[start:end], b): b is true while D[start:end] is still a prefix of the old tree's path,
  // whose root the verifier already holds.
  const subproof = (m: number, start: number, end: number, b: boolean): void => {
    if (m === end - start) {
      if (!b) plan.push(rangeNodes(start, end));
      return;
    }
    const k = split(end - start);
    if (m <= k) {
      subproof(m, start, start + k, b);
      plan.push(rangeNodes(start + k, end));
    } else {
      subproof(m - k, start + k, end, false);
      plan.push(rangeNodes(start, start + k));
    }
  };
  if (first < second) subproof(first, 0, second, true);
  return plan;
}

function readPlan(source: NodeSource, plan: NodeId[][]): Uint8Array[] {
  return plan.map((nodes) => foldNodes(nodes.map((n) => source.node(n.level, n.index))));
}

function asSource(tree: NodeSource | readonly Uint8Array[]): NodeSource {
  return Array.isArray(tree) ? new MemoryTree(tree as readonly Uint8Array[]) : (tree as NodeSource);
}

/** The proof's size, checked against what the source holds (its own size when not given). */
function sizeWithin(source: NodeSource, size: number | undefined): number {
  if (size !== undefined && size > source.size) throw new RangeError('size is beyond the leaves the tree holds');
  return size ?? source.size;
}

/** MTH of the first `size` leaves of a source (default: all), from at most one node per level. */
export function treeRoot(source: NodeSource, size?: number): Uint8Array {
  const n = sizeWithin(source, size);
  checkSize(n, 'size');
  return foldNodes(rangeNodes(0, n).map((id) => source.node(id.level, id.index)));
}

/**
 * MTH of a list of leaf hashes in one pass and O(log n) memory: a stack of perfect subtrees, merged
 * whenever two of one height meet (after leaf i, as many merges as i+1 has trailing zero bits).
 */
export function rootOfLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  const stack: Uint8Array[] = [];
  for (let i = 0; i < leafHashes.length; i++) {
    let hash = leafHashes[i]!;
    for (let n = i + 1; n % 2 === 0; n /= 2) hash = hashChildren(stack.pop()!, hash);
    stack.push(hash);
  }
  return foldNodes(stack);
}

/**
 * Inclusion proof of leaf `index` in the tree of the first `size` leaves (default: all). A list of leaf
 * hashes is built into a MemoryTree first; a log keeps its own NodeSource instead.
 */
export function inclusionProof(tree: NodeSource | readonly Uint8Array[], index: number, size?: number): Uint8Array[] {
  const source = asSource(tree);
  return readPlan(source, inclusionPlan(index, sizeWithin(source, size)));
}

/** Consistency proof from the tree of `first` leaves to the tree of `second` (default: all). */
export function consistencyProof(tree: NodeSource | readonly Uint8Array[], first: number, second?: number): Uint8Array[] {
  const source = asSource(tree);
  return readPlan(source, consistencyPlan(first, sizeWithin(source, second)));
}

/**
 * All perfect subtrees of an append-only list of leaf hashes, level by level: about 2n hashes, each
 * computed once when its last leaf arrives. The in-memory `NodeSource`.
 */
export class MemoryTree implements NodeSource {
  private readonly levels: Uint8Array[][] = [[]];

  constructor(leafHashes: readonly Uint8Array[] = []) {
    for (const hash of leafHashes) this.append(hash);
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  /** Appends one leaf hash (not the leaf: see hashLeaf) and returns its index. */
  append(leafHash: Uint8Array): number {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_LENGTH) throw new RangeError('a leaf hash is 32 bytes');
    const index = this.size;
    let hash = leafHash;
    for (let level = 0; ; level++) {
      const row = (this.levels[level] ??= []);
      row.push(hash);
      if (row.length % 2 !== 0) break;
      hash = hashChildren(row[row.length - 2]!, hash);
    }
    return index;
  }

  node(level: number, index: number): Uint8Array {
    const hash = this.levels[level]?.[index];
    if (hash === undefined) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  }
}

/** Why a proof was refused. Callers show one plain sentence per reason. */
export type ProofFailure =
  | 'bad-argument' // a size or index is not a non-negative safe integer, or a hash is not 32 bytes
  | 'index-out-of-range' // the leaf index is not below the tree size (every index, for size 0)
  | 'empty-first-tree' // consistency from size 0: every tree extends it, so there is nothing to prove
  | 'tree-shrank' // the second tree is smaller than the first
  | 'proof-too-long' // the proof has hashes left over after the path reached the root
  | 'proof-too-short' // the proof ended before the path reached the root
  | 'first-root-mismatch' // consistency: the proof does not rebuild the first root
  | 'root-mismatch'; // the proof does not rebuild the (second) root

export type ProofCheck = { ok: true } | { ok: false; reason: ProofFailure };

const OK: ProofCheck = { ok: true };
const fail = (reason: ProofFailure): ProofCheck => ({ ok: false, reason });

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_LENGTH;
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Shape checks shared by both verifiers; these never throw, whatever they are given. */
function badProof(proof: unknown): ProofCheck | undefined {
  if (!Array.isArray(proof)) return fail('bad-argument');
  if (proof.length > MAX_PROOF_LENGTH) return fail('proof-too-long');
  if (!proof.every(isHash)) return fail('bad-argument');
  return undefined;
}

/** Halves a safe integer (a right shift that does not truncate to 32 bits). */
const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

/**
 * One step of the RFC's verification loops over (fn, sn), the node's index and the last index at the
 * current level. Returns whether the proof hash is the left sibling; on a right edge with no sibling at
 * some levels, it first climbs until the node is a right child (or the root of its subtree).
 */
function step(pos: { fn: number; sn: number }): boolean {
  const left = odd(pos.fn) || pos.fn === pos.sn;
  if (left) {
    while (!odd(pos.fn) && pos.fn !== 0) {
      pos.fn = half(pos.fn);
      pos.sn = half(pos.sn);
    }
  }
  pos.fn = half(pos.fn);
  pos.sn = half(pos.sn);
  return left;
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf hash `leafHash` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): ProofCheck {
  if (!isIndex(index) || !isIndex(size) || !isHash(leafHash) || !isHash(root)) return fail('bad-argument');
  const shape = badProof(proof);
  if (shape) return shape;
  if (index >= size) return fail('index-out-of-range');
  const pos = { fn: index, sn: size - 1 };
  let r = leafHash;
  for (const p of proof) {
    if (pos.sn === 0) return fail('proof-too-long');
    r = step(pos) ? hashChildren(p, r) : hashChildren(r, p);
  }
  if (pos.sn !== 0) return fail('proof-too-short');
  return equalBytes(r, root) ? OK : fail('root-mismatch');
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `first` leaves with `firstRoot` is a prefix of the
 * tree of `second` leaves with `secondRoot`? Equal sizes need an empty proof and equal roots (the empty
 * root for size 0); a first size of 0 is refused, as transparency-dev/merkle does: no proof exists for it.
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): ProofCheck {
  if (!isIndex(first) || !isIndex(second) || !isHash(firstRoot) || !isHash(secondRoot)) return fail('bad-argument');
  const shape = badProof(proof);
  if (shape) return shape;
  if (second < first) return fail('tree-shrank');
  if (first === second) {
    if (proof.length > 0) return fail('proof-too-long');
    if (!equalBytes(firstRoot, secondRoot)) return fail('root-mismatch');
    return first > 0 || equalBytes(firstRoot, EMPTY_ROOT) ? OK : fail('root-mismatch');
  }
  if (first === 0) return fail('empty-first-tree');
  if (proof.length === 0) return fail('proof-too-short');
  // A power-of-two first tree is a perfect subtree of the second, so its root starts the path.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  const pos = { fn: first - 1, sn: second - 1 };
  // Start from the first tree's last complete subtree: skip the levels where its node is a right child.
  while (odd(pos.fn)) {
    pos.fn = half(pos.fn);
    pos.sn = half(pos.sn);
  }
  let fr = path[0]!;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (pos.sn === 0) return fail('proof-too-long');
    if (step(pos)) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
    } else {
      sr = hashChildren(sr, c);
    }
  }
  if (pos.sn !== 0) return fail('proof-too-short');
  if (!equalBytes(fr, firstRoot)) return fail('first-root-mismatch');
  return equalBytes(sr, secondRoot) ? OK : fail('root-mismatch');
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
