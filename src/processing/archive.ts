import { makeZip } from "client-zip";
import type { ImageService } from "../images/images.service";
import { ApiError } from "../lib/problem";
import type { Caller } from "../platform";
import type { SessionState } from "./session-types";

/**
 * The finished outputs of a session as one ZIP (stored, not recompressed: the images are compressed already),
 * streamed: each file is read from R2 only when the archive reaches it, so memory stays flat however large it is.
 * Names are the originals' with the output's extension, made unique.
 */
export async function sessionArchive(
  images: ImageService,
  caller: Caller,
  state: SessionState,
): Promise<{ body: ReadableStream<Uint8Array>; filename: string; files: number }> {
  const done = state.items.flatMap((item) =>
    item.status === "done" && item.rendition ? [{ imageId: item.imageId, name: item.rendition.name }] : [],
  );
  if (done.length === 0) throw new ApiError("conflict", "No image of this session has been converted yet.");
  const used = new Set<string>();
  const entries = (await images.renditionFiles(caller, done)).map((file) => {
    const extension = file.name.slice(file.name.lastIndexOf(".") + 1);
    return { open: file.open, name: uniqueName(file.image.filename, extension, used) };
  });
  async function* files() {
    for (const entry of entries) {
      const object = await entry.open();
      if (object) yield { name: entry.name, input: object.body, lastModified: object.uploaded, size: object.size };
    }
  }
  return { body: makeZip(files()), filename: `${state.id}.zip`, files: entries.length };
}

function uniqueName(filename: string, extension: string, used: Set<string>): string {
  const base = filename.replace(/\.[^.]*$/, "") || "image";
  let name = `${base}.${extension}`;
  for (let n = 2; used.has(name); n++) name = `${base} (${n}).${extension}`;
  used.add(name);
  return name;
}
