import { makeZip } from "client-zip";
import type { ImageService } from "../images/images.service";
import { ApiError } from "../lib/problem";
import type { Caller } from "../platform";
import type { SessionItem, SessionState } from "./session-types";

/** The archive's last entry when any item of the session has no file in it: which, and why (see sessionArchive). */
const OMITTED_LIST_NAME = "omitted.txt";

/**
 * The finished outputs of a session as one ZIP (stored, not recompressed: the images are compressed already),
 * streamed: each file is read from R2 only when the archive reaches it, so memory stays flat however large it is.
 * Names are the originals' with the output's extension, made unique.
 *
 * Nothing is left out silently: when an item has no file in the archive (not converted, failed, or its image — or
 * the image the output draws as a watermark — was deleted after it was converted: its files went with it), a last
 * entry `omitted.txt` lists each such item, one line each: the image id, a tab, and the reason.
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
  const used = new Set<string>([OMITTED_LIST_NAME]);
  const watermarkId = state.output.watermark?.imageId;
  const watermarkGone = watermarkId !== undefined && !(await images.ownedIds(caller, [watermarkId])).has(watermarkId);
  const stored = watermarkGone ? [] : await images.renditionFiles(caller, done);
  // A file made from an earlier edit of its image went with that edit (renditions are named by edit version).
  const edited = new Set(stored.filter((file) => file.stale).map((file) => file.image.id));
  const entries = stored
    .filter((file) => !file.stale)
    .map((file) => {
      const extension = file.name.slice(file.name.lastIndexOf(".") + 1);
      return { imageId: file.image.id, open: file.open, name: uniqueName(file.image.filename, extension, used) };
    });
  const present = new Set(entries.map((entry) => entry.imageId));
  const omitted = state.items.flatMap((item) =>
    present.has(item.imageId) ? [] : [omission(item, edited.has(item.imageId), watermarkGone)],
  );
  async function* files() {
    for (const entry of entries) {
      const object = await entry.open();
      if (object) yield { name: entry.name, input: object.body, lastModified: object.uploaded, size: object.size };
      else omitted.push(`${entry.imageId}\tits image (or its watermark) was deleted while the archive was being read`);
    }
    if (omitted.length > 0) {
      yield { name: OMITTED_LIST_NAME, input: `${omitted.join("\n")}\n`, lastModified: new Date() };
    }
  }
  return { body: makeZip(files()), filename: `${state.id}.zip`, files: entries.length };
}

/** One line of omitted.txt: the item's image id and why it has no file in the archive. */
function omission(item: SessionItem, editedSince: boolean, watermarkGone: boolean): string {
  const reason = editedSince
    ? "its image was edited after it was converted (convert it again for the edited picture)"
    : item.status === "done"
      ? watermarkGone
        ? "the image drawn on it as a watermark was deleted after it was converted"
        : "its image was deleted after it was converted"
      : item.status === "failed"
        ? `not converted: ${item.error ?? "the conversion failed"}`
        : "not converted yet";
  return `${item.imageId}\t${reason.replace(/[\r\n\t]+/g, " ")}`;
}

function uniqueName(filename: string, extension: string, used: Set<string>): string {
  const base = filename.replace(/\.[^.]*$/, "") || "image";
  let name = `${base}.${extension}`;
  for (let n = 2; used.has(name); n++) name = `${base} (${n}).${extension}`;
  used.add(name);
  return name;
}
