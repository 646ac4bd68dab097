// Types for the parts of cryptico 1.0.2 (CommonJS, untyped) that lib/legacy uses.
declare module 'cryptico' {
  /** Tom Wu's jsbn BigInteger, as bundled in cryptico. */
  export interface BigInteger {
    toString(radix: number): string;
    bitLength(): number;
  }

  export interface BigIntegerConstructor {
    /** A byte array (base 256) or a string in the given radix. */
    new (value: number[] | string, radix?: number): BigInteger;
  }

  export interface RSAKey {
    n: BigInteger;
    e: number;
    /** RSA PKCS#1 v1.5 encryption of a string (cryptico UTF-8-encodes it), as even-length hex. */
    encrypt(text: string): string | null;
    /** Inverse of encrypt; null when the padding is wrong (wrong key or altered ciphertext). */
    decrypt(hexCiphertext: string): string | null;
    doPublic(x: BigInteger): BigInteger;
    signString(message: string, hashAlg: 'sha256'): string;
    setPrivateEx(n: string, e: string, d: string, p: string, q: string, dmp1: string, dmq1: string, coeff: string): void;
  }

  export interface RSAKeyConstructor {
    new (): RSAKey;
  }

  export type EncryptResult = { status: 'success'; cipher: string } | { status: 'Invalid public key' };

  export type DecryptResult =
    | { status: 'failure' }
    | { status: 'success'; plaintext: string; signature: 'unsigned' }
    | { status: 'success'; plaintext: string; signature: 'verified' | 'forged'; publicKeyString: string };

  export interface Cryptico {
    generateRSAKey(passphrase: string, bits: number): RSAKey;
    publicKeyString(key: RSAKey): string;
    publicKeyID(publicKeyString: string): string;
    publicKeyFromString(publicKeyString: string): RSAKey;
    encrypt(plaintext: string, publicKeyString: string, signingKey?: RSAKey): EncryptResult;
    decrypt(ciphertext: string, key: RSAKey): DecryptResult;
    decryptAESCBC(base64Ciphertext: string, key: number[]): string;
    generateAESKey(): number[];
    blockIV(): number[];
  }

  const cryptico: Cryptico;
  export default cryptico;
}
