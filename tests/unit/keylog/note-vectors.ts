// Signed-note and checkpoint known answers, produced by Go's implementation and the C2SP specifications:
// - GO_*: golang.org/x/mod, sumdb/note/note_test.go and example_test.go (TestSign, TestOpen, TestNewVerifier,
//   ExampleSign_add_signatures) at github.com/golang/mod commit fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db.
//   PeterNeumann's signer key is "PRIVATE+KEY+PeterNeumann+c74f20a3+" + base64(0x01 || seed); EnochRoot's key
//   comes from note.GenerateKey reading an all-zero random source, so its Ed25519 seed is 32 zero bytes.
// - GO_TREE: sumdb/tlog/note_test.go (TestFormatTree) at the same commit: a checkpoint whose origin is
//   "go.sum database tree" and whose root is RecordHash("hello world"), the RFC 6962 leaf hash.
// - C2SP_*: signed-note.md ("Example") and tlog-checkpoint.md at github.com/C2SP/C2SP commit
//   5ba5ee830903e91240fc6f9f3a7a9293d49e69c9.

export const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";

export const GO_PETER = {
  name: 'PeterNeumann',
  keyId: 0xc74f20a3,
  seed: 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', // base64(0x01 || Ed25519 seed)
  vkey: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  line: '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
};

export const GO_ENOCH = {
  name: 'EnochRoot',
  keyId: 0xaf0cfe78,
  vkey: 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop',
  line: '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n',
};

/** TestNewVerifier: the same key with an adjusted key hash, but a wrong length / an unknown algorithm. */
export const GO_BAD_VKEYS = {
  wrongLength: 'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
  unknownAlgorithm: 'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
};

export const GO_TREE = {
  text: 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
  size: 123456789012,
  leaf: 'hello world',
};

export const C2SP_EXAMPLE = {
  vkey: 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
  note: 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n',
};

/** The spec's example checkpoint; its key is not published, so only the text and note shape are checked. */
export const C2SP_CHECKPOINT = {
  note:
    'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
    '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n',
  origin: 'example.com/behind-the-sofa',
  size: 20852163,
  root: 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
};
