import { etagOf, type ImageFile } from "../../images/files/read-image-file";
import { contentDisposition } from "../../images/upload/filename";

/** The HTTP form of an image file: validators, caching, a safe disposition, and 200, 206 or 304. */
export function sendImageFile(file: ImageFile): Response {
  const { image } = file;
  const headers = new Headers({
    ETag: etagOf(image),
    "Cache-Control": "private, max-age=3600",
    "Accept-Ranges": "bytes",
    "Content-Disposition": contentDisposition(image.filename),
  });
  if (file.kind === "not-modified") return new Response(null, { status: 304, headers });
  headers.set("Content-Type", image.content_type);
  if (file.kind === "range") {
    headers.set("Content-Range", `bytes ${file.offset}-${file.offset + file.length - 1}/${image.bytes}`);
    headers.set("Content-Length", String(file.length));
    return new Response(file.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(image.bytes));
  return new Response(file.body, { status: 200, headers });
}
