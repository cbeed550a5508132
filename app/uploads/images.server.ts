import sharp from "sharp";
import { sniffType } from "./store.server.ts";

export const MAX_IMAGE_WIDTH = 1600;

/**
 * Photos from phones are often 4000 px wide and carry EXIF data (GPS position, device). Before an
 * image is stored it is turned upright, stripped of metadata, and narrowed to 1600 px so lessons
 * load on poor networks. Other files pass through untouched.
 */
export async function prepareImage(bytes: Uint8Array): Promise<Uint8Array> {
  const ext = sniffType(bytes);
  if (ext !== "png" && ext !== "jpg" && ext !== "webp") return bytes;
  try {
    const img = sharp(bytes, { failOn: "error" }).rotate();
    const meta = await img.metadata();
    const resized = (meta.width ?? 0) > MAX_IMAGE_WIDTH ? img.resize({ width: MAX_IMAGE_WIDTH, withoutEnlargement: true }) : img;
    const out = ext === "png" ? resized.png({ compressionLevel: 9 }) : ext === "jpg" ? resized.jpeg({ quality: 82, mozjpeg: true }) : resized.webp({ quality: 82 });
    return new Uint8Array(await out.toBuffer());
  } catch {
    // A file sharp cannot decode is not a valid image: the store's own checks will refuse or keep it as is.
    return bytes;
  }
}
