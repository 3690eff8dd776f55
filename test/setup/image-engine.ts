// The main suites run the Worker with IMAGE_ENGINE=local: renditions, thumbnails and tagging inputs are made by the
// image engine of image-engine/ (the Images binding's documented contract: EXIF orientation, HEIC, every fit,
// quality, the metadata rule), started here on loopback. Alongside it, a small "pixel oracle" lets tests inside
// workerd judge images by their pixels: POST an image to /gray and get its size and a small grayscale of it, made
// with sharp. It also provides the phone photos the photo tests upload: a real photo (scikit-image's chelsea.png,
// from Debian) written with each EXIF orientation 1–8, as HEIC made by Debian's heif-enc, and a HEIC that declares a
// huge size.
import { createServer, type Server } from "node:http";
import exifr from "exifr";
import sharp from "sharp";
import type { TestProject } from "vitest/node";
import { heifEnc, withDeclaredSize, withTransformation } from "../../image-engine/test/helpers/heif.js";
import { orientedJpeg } from "../../image-engine/test/helpers/images.js";
import { photo } from "../../image-engine/test/helpers/photos.js";
import { freePort, imageEnginePort } from "./ports";
import { startService } from "./start-service";

export default async function setup(project: TestProject) {
  const port = await imageEnginePort();
  const engine = await startService("the image engine", "image-engine/src/server.js", port, {
    IMAGE_ENGINE_PORT: String(port),
    IMAGE_ENGINE_HOST: "127.0.0.1",
  });
  const oraclePort = await freePort();
  const oracle = await startPixelOracle(oraclePort);
  project.provide("pixelOracleUrl", `http://127.0.0.1:${oraclePort}`);

  const upright = await photo("chelsea.png"); // 451×300, a real photo (a cat)
  const oriented: Record<string, string> = {};
  for (let o = 1; o <= 8; o++) oriented[o] = (await orientedJpeg(upright, o)).toString("base64");
  const heic = await heifEnc(upright, { quality: 90 });
  project.provide("phonePhotos", {
    upright: upright.toString("base64"),
    oriented,
    heic: heic.toString("base64"),
    // The same HEIC with its primary image turned a quarter turn by `irot` (as a camera held sideways writes it).
    heicRotated: Buffer.from(withTransformation(heic, { irot: 90 })).toString("base64"),
    heicHuge: Buffer.from(withDeclaredSize(heic, 20000, 20000)).toString("base64"),
  });
  // For the processing options (test/options/): a logo to draw as a watermark (a 120×60 PNG: an opaque 80×20 red
  // block in a transparent 20 px frame), and the photo as a camera writes it, with a copyright and a location.
  const logo = await sharp({ create: { width: 80, height: 20, channels: 4, background: "#d01010" } })
    .extend({ top: 20, bottom: 20, left: 20, right: 20, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();
  const withExif = await sharp(upright)
    .jpeg({ quality: 92 })
    .withExif({
      IFD0: { Copyright: "Ada Lovelace 2026", Make: "Imagify", Model: "Test Camera" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "48/1 51/1 2400/100",
        GPSLongitudeRef: "E",
        GPSLongitude: "2/1 21/1 300/100",
      },
    })
    .toBuffer();
  project.provide("optionPhotos", { logo: logo.toString("base64"), withExif: withExif.toString("base64") });

  return async () => {
    engine.kill("SIGTERM");
    await new Promise((resolve) => oracle.close(resolve));
  };
}

/**
 * POST an image to
 *   /gray?size=N  → { format, width, height, exif, gray: number[N*N] } (fill, row-major; size=0: the image's own size).
 *     With reference operations applied first, in this order, so tests can compare with what sharp makes of the
 *     original: `extract=left,top,width,height`, `flop=1` (mirror left ↔ right), `flip=1` (top ↔ bottom),
 *     `rotate=90|180|270` (clockwise).
 *   /rgb?size=N   → { width, height, rgb: number[N*N*3] } (size=0: the image's own size), flattened onto white.
 *   /exif         → { exif, copyright, latitude, longitude } as exifr reads them (GPS included when present).
 */
function startPixelOracle(port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const url = new URL(request.url ?? "/", "http://oracle");
      const query = url.searchParams;
      const size = Number(query.get("size") ?? "16");
      let body: unknown;
      if (url.pathname === "/exif") {
        const tags = await exifr.parse(bytes, { gps: true }).catch(() => undefined);
        body = {
          exif: Boolean((await sharp(bytes).metadata()).exif),
          copyright: tags?.Copyright ?? null,
          latitude: tags?.latitude ?? null,
          longitude: tags?.longitude ?? null,
        };
      } else if (url.pathname === "/rgb") {
        let image = sharp(bytes).flatten({ background: "#ffffff" }).removeAlpha();
        if (size > 0) image = image.resize(size, size, { fit: "fill" });
        const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
        body = { width: info.width, height: info.height, rgb: [...data] };
      } else {
        const meta = await sharp(bytes).metadata();
        let reference: Buffer = bytes;
        const extract = query.get("extract")?.split(",").map(Number);
        if (extract) {
          const [left = 0, top = 0, width = 1, height = 1] = extract;
          reference = await sharp(reference).extract({ left, top, width, height }).toBuffer();
        }
        if (query.get("flop")) reference = await sharp(reference).flop().toBuffer();
        if (query.get("flip")) reference = await sharp(reference).flip().toBuffer();
        if (query.get("rotate"))
          reference = await sharp(reference)
            .rotate(Number(query.get("rotate")))
            .toBuffer();
        let image = sharp(reference);
        if (size > 0) image = image.resize(size, size, { fit: "fill" });
        const gray = await image.grayscale().raw().toBuffer();
        body = {
          format: meta.format,
          width: meta.width,
          height: meta.height,
          exif: Boolean(meta.exif),
          gray: [...gray],
        };
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    } catch (error) {
      response.writeHead(422, { "content-type": "text/plain" }).end(String(error));
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

declare module "vitest" {
  export interface ProvidedContext {
    /** POST an image to `${pixelOracleUrl}/gray?size=N`: its format, size and an N×N grayscale. */
    pixelOracleUrl: string;
    /** base64: the upright photo; `oriented[o]`: JPEG stored so EXIF orientation o shows it upright; HEIC files. */
    phonePhotos: {
      upright: string;
      oriented: Record<string, string>;
      heic: string;
      heicRotated: string;
      heicHuge: string;
    };
    /** base64: a 120×60 PNG logo (an 80×20 red block in a transparent frame); the photo as a JPEG with copyright and GPS. */
    optionPhotos: { logo: string; withExif: string };
  }
}
