import { expect, test } from "vitest";
import sharp from "sharp";
import { prepareImage, MAX_IMAGE_WIDTH } from "#app/uploads/images.server.ts";

test("wide photos are narrowed for phones and lose their EXIF metadata", async () => {
  const jpeg = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#3366aa" } })
    .jpeg()
    .withMetadata({ exif: { IFD0: { Make: "CameraCo", Model: "X1" } } })
    .toBuffer();
  expect((await sharp(jpeg).metadata()).exif).toBeDefined();
  const out = await prepareImage(new Uint8Array(jpeg));
  const meta = await sharp(out).metadata();
  expect(meta.format).toBe("jpeg");
  expect(meta.width).toBe(MAX_IMAGE_WIDTH);
  expect(meta.height).toBe(1200);
  expect(meta.exif).toBeUndefined();
});

test("small images keep their size; PDFs and other files pass through unchanged", async () => {
  const png = await sharp({ create: { width: 300, height: 200, channels: 4, background: "#ffffff00" } }).png().toBuffer();
  const out = await prepareImage(new Uint8Array(png));
  expect((await sharp(out).metadata()).width).toBe(300);
  const pdf = new Uint8Array(Buffer.from("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "latin1"));
  expect(await prepareImage(pdf)).toBe(pdf);
});
