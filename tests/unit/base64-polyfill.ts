// Node 20 lacks the standard Uint8Array base64 methods the browsers have (TC39 "Uint8Array to/from base64",
// Chrome 140, Firefox 133) that the file port uses; the same encoding through Buffer stands in for them.
// Imported for its effect by the tests that drive the port.
const base64 = Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array; prototype: { toBase64?: () => string } };
base64.fromBase64 ??= (text) => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new SyntaxError('not base64');
  return new Uint8Array(Buffer.from(text, 'base64'));
};
base64.prototype.toBase64 ??= function (this: Uint8Array) {
  return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('base64');
};
