// Known answers for RFC 6962 / RFC 9162 Merkle trees, transcribed from github.com/transparency-dev/merkle
// (Apache-2.0), which checks them against its own implementation and certificate-transparency-go's:
// - LEAF_INPUTS, NODE_HASHES, ROOTS: testonly/constants.go at commit 417fb0c314750d94e53942e9f92e79b6d35915db
//   (LeafInputs, NodeHashes, RootHashes).
// - INCLUSION_PROOFS, CONSISTENCY_PROOFS: proof/verify_test.go at commit 9ca563d3ac2bab915317cf153ed4f952f6e74c07
//   (inclusionProofs, consistencyProofs; the last commit before they moved to testdata/*/happy-path.json).
//   Their leaf indexes there are 1-based; here they are 0-based, as RFC 9162 and our API count.
// - PROBES: testdata/inclusion/{additional,single-entry}/*.json and testdata/consistency/additional/*.json
//   at commit 417fb0c314750d94e53942e9f92e79b6d35915db, base64 turned into hex; '' is an empty value.

export const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];

/** NODE_HASHES[level][index]: level 0 holds the leaf hashes of LEAF_INPUTS. */
export const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** ROOTS[n]: the root of the tree of the first n leaves of LEAF_INPUTS. */
export const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

export const INCLUSION_PROOFS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

export const CONSISTENCY_PROOFS: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** Edge cases the probes pin down: empty and 12-byte "don't care" values, size 0, sizes out of order. */
export const PROBES = {
  inclusion: [
    { file: 'inclusion/additional/0/empty-root-and-random-leaf.json', leafIdx: 0, treeSize: 0, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/0/empty-root.json', leafIdx: 0, treeSize: 0, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: '', proof: [], wantErr: true },
    { file: 'inclusion/additional/0/random-leaf.json', leafIdx: 0, treeSize: 0, root: '', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/1/empty-root-and-random-leaf.json', leafIdx: 0, treeSize: 1, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/1/empty-root.json', leafIdx: 0, treeSize: 1, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: '', proof: [], wantErr: true },
    { file: 'inclusion/additional/1/random-leaf.json', leafIdx: 0, treeSize: 1, root: '', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/2/empty-root-and-random-leaf.json', leafIdx: 1, treeSize: 0, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/2/empty-root.json', leafIdx: 1, treeSize: 0, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: '', proof: [], wantErr: true },
    { file: 'inclusion/additional/2/random-leaf.json', leafIdx: 1, treeSize: 0, root: '', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/3/empty-root-and-random-leaf.json', leafIdx: 2, treeSize: 1, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/additional/3/empty-root.json', leafIdx: 2, treeSize: 1, root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', leafHash: '', proof: [], wantErr: true },
    { file: 'inclusion/additional/3/random-leaf.json', leafIdx: 2, treeSize: 1, root: '', leafHash: 'abacaba000000000000000000000000000000000000000000060061e00123456', proof: [], wantErr: true },
    { file: 'inclusion/single-entry/empty-leaf.json', leafIdx: 0, treeSize: 1, root: '0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc', leafHash: '', proof: [], wantErr: true },
    { file: 'inclusion/single-entry/empty-root-and-leaf.json', leafIdx: 0, treeSize: 1, root: '', leafHash: '', proof: [], wantErr: true },
    { file: 'inclusion/single-entry/empty-root.json', leafIdx: 0, treeSize: 1, root: '', leafHash: '0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc', proof: [], wantErr: true },
    { file: 'inclusion/single-entry/matching-root-and-leaf.json', leafIdx: 0, treeSize: 1, root: '0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc', leafHash: '0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc', proof: [], wantErr: false },
  ],
  consistency: [
    { file: 'consistency/additional/consistency-check-on-empty-tree-size1-is-zero-is-useless.json', size1: 0, size2: 1, root1: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', root2: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', proof: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'], wantErr: true },
    { file: 'consistency/additional/roots-do-not-match-and-sizes-are-zero.json', size1: 0, size2: 0, root1: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/roots-do-not-not-match-and-sizes-are-one.json', size1: 1, size2: 1, root1: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/size1-is-greater-than-size2-again.json', size1: 2, size2: 1, root1: '646f6e277420636172652031', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/size1-is-greater-than-size2.json', size1: 1, size2: 0, root1: '646f6e277420636172652031', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/size1-is-zero-and-does-not-equal-size2.json', size1: 0, size2: 1, root1: '646f6e277420636172652031', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/size1-is-zero-and-size2-is-not-zero.json', size1: 0, size2: 1, root1: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json', size1: 1, size2: 1, root1: '646f6e277420636172652032', root2: '646f6e277420636172652032', proof: [], wantErr: false },
    { file: 'consistency/additional/sizes-are-equal-one-but-roots-are-not.json', size1: 1, size2: 1, root1: '646f6e277420636172652031', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/sizes-are-equal-zero-and-proof-is-empty.json', size1: 0, size2: 0, root1: '646f6e277420636172652031', root2: '646f6e277420636172652031', proof: [], wantErr: true },
    { file: 'consistency/additional/sizes-are-equal-zero-but-roots-are-not.json', size1: 0, size2: 0, root1: '646f6e277420636172652031', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/sizes-do-not-watch-and-proof-is-empty.json', size1: 1, size2: 2, root1: '646f6e277420636172652031', root2: '646f6e277420636172652032', proof: [], wantErr: true },
    { file: 'consistency/additional/sizes-match-but-proof-is-not-empty-and-sizes-are-one.json', size1: 1, size2: 1, root1: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', root2: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', proof: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'], wantErr: true },
    { file: 'consistency/additional/sizes-match-but-proof-is-not-empty-and-sizes-are-zero.json', size1: 0, size2: 0, root1: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', root2: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', proof: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'], wantErr: true },
  ],
};
