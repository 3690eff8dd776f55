import { makeZip } from "client-zip";
import { derivedKey } from "../images/store/image-objects";
import { findImages } from "../images/store/image-rows";
import { ApiError } from "../lib/problem";
import { getSession, type ProcessingDeps } from "./sessions";

/**
 * The finished outputs of a session as one ZIP (stored, not recompressed: the images are compressed already),
 * streamed: each file is read from R2 only when the archive reaches it, so memory stays flat however large it is.
 * Names are the originals' with the output's extension, made unique.
 */
export async function sessionArchive(
  deps: ProcessingDeps & { bucket: R2Bucket },
  userId: string,
  id: string,
): Promise<{ body: ReadableStream<Uint8Array>; filename: string; files: number }> {
  const state = await getSession(deps, userId, id);
  const done = state.items.filter((item) => item.status === "done" && item.rendition);
  if (done.length === 0) throw new ApiError("conflict", "No image of this session has been converted yet.");
  const images = new Map(
    (
      await findImages(
        deps.db,
        userId,
        done.map((item) => item.imageId),
      )
    ).map((i) => [i.id, i]),
  );
  const used = new Set<string>();
  const entries = done.flatMap((item) => {
    const image = images.get(item.imageId);
    const rendition = item.rendition!;
    if (!image) return []; // deleted since: its renditions went with it
    const extension = rendition.name.slice(rendition.name.lastIndexOf(".") + 1);
    return [
      { key: derivedKey(userId, image.sha256, rendition.name), name: uniqueName(image.filename, extension, used) },
    ];
  });
  async function* files() {
    for (const entry of entries) {
      const object = await deps.bucket.get(entry.key);
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
