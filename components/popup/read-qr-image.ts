// Reads the text of a QR code in an image file the user chose (a screenshot or photo of the other side's
// code). Large images are scaled down first so decoding stays quick and memory stays bounded.
import jsQR from 'jsqr';

export const MAX_QR_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_SIDE = 1600;

/** The QR code's text, or null when the image has none that can be read. Throws on a non-image. */
export async function readQrImage(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const context = new OffscreenCanvas(width, height).getContext('2d');
    if (!context) return null;
    context.drawImage(bitmap, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    return jsQR(data, width, height)?.data ?? null;
  } finally {
    bitmap.close();
  }
}
