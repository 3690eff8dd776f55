import { etagOf, type ImageFile } from "../../images/files/read-image-file";
import type { Rendition } from "../../images/renditions/read-rendition";
import { contentDisposition } from "../../images/upload/filename";

/** The HTTP form of an image file: validators, caching, a safe disposition, and 200, 206 or 304. */
export function sendImageFile(file: ImageFile, disposition: "inline" | "attachment" = "inline"): Response {
  const { image } = file;
  const headers = new Headers({
    ETag: etagOf(image),
    "Cache-Control": "private, max-age=3600",
    "Accept-Ranges": "bytes",
    "Content-Disposition": contentDisposition(image.filename, disposition),
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

/** A rendition: its own type, validator and name; `Vary: Accept` when its format was negotiated. */
export function sendRendition(rendition: Rendition): Response {
  const { image, spec } = rendition;
  const extension = spec.name.slice(spec.name.lastIndexOf(".") + 1);
  const headers = new Headers({
    ETag: rendition.etag,
    "Cache-Control": "private, max-age=3600",
    "Content-Disposition": contentDisposition(`${image.filename.replace(/\.[^.]*$/, "")}.${extension}`),
  });
  if (spec.negotiated) headers.set("Vary", "Accept");
  if (rendition.kind === "not-modified") return new Response(null, { status: 304, headers });
  headers.set("Content-Type", spec.output.format);
  headers.set("Content-Length", String(rendition.bytes));
  return new Response(rendition.body, { status: 200, headers });
}
