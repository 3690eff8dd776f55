// The main suites run the Worker with IMAGE_ENGINE=local: renditions, thumbnails and tagging inputs are made by the
// image engine of image-engine/ (the Images binding's documented contract: EXIF orientation, HEIC, every fit,
// quality, the metadata rule), started here on loopback. Alongside it, a small "pixel oracle" lets tests inside
// workerd judge images by their pixels: POST an image to /gray and get its size and a small grayscale of it, made
// with sharp. It also provides the phone photos the photo tests upload: a real photo (scikit-image's chelsea.png,
// from Debian) written with each EXIF orientation 1–8, as HEIC made by Debian's heif-enc, and a HEIC that declares a
// huge size.
import { createServer, type Server } from "node:http";
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

  return async () => {
    engine.kill("SIGTERM");
    await new Promise((resolve) => oracle.close(resolve));
  };
}

/** POST /gray?size=N with an image body → { format, width, height, gray: number[N*N] } (fill, row-major). */
function startPixelOracle(port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const size = Number(new URL(request.url ?? "/", "http://oracle").searchParams.get("size") ?? "16");
      const meta = await sharp(bytes).metadata();
      const gray = await sharp(bytes).resize(size, size, { fit: "fill" }).grayscale().raw().toBuffer();
      const body = {
        format: meta.format,
        width: meta.width,
        height: meta.height,
        exif: Boolean(meta.exif),
        gray: [...gray],
      };
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
  }
}
