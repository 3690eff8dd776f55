import { makeZip } from "client-zip";
import type { ImageService } from "../images/images.service";
import { ApiError } from "../lib/problem";
import type { Caller } from "../platform";
import type { FileGone } from "./gone-files";
import type { SessionItem, SessionState } from "./session-types";

/** The archive's last entry when any item of the session has no file in it: which, and why (see sessionArchive). */
const OMITTED_LIST_NAME = "omitted.txt";

/**
 * The finished outputs of a session as one ZIP (stored, not recompressed: the images are compressed already),
 * streamed: each file is read from R2 only when the archive reaches it, so memory stays flat however large it is.
 * Names are the originals' with the output's extension, made unique.
 *
 * Nothing is left out silently: when an item has no file in the archive (not converted, failed, or its file is gone:
 * `gone`, from ProcessingService.goneFiles), a last entry `omitted.txt` lists each such item, one line each: the image
 * id, a tab, and the reason.
 */
export async function sessionArchive(
  images: ImageService,
  caller: Caller,
  state: SessionState,
  gone: Map<string, FileGone>,
): Promise<{ body: ReadableStream<Uint8Array>; filename: string; files: number }> {
  const done = state.items.flatMap((item) =>
    item.status === "done" && item.rendition ? [{ imageId: item.imageId, name: item.rendition.name }] : [],
  );
  if (done.length === 0) throw new ApiError("conflict", "No image of this session has been converted yet.");
  const used = new Set<string>([OMITTED_LIST_NAME]);
  const stored = await images.renditionFiles(
    caller,
    done.filter((item) => !gone.has(item.imageId)),
  );
  const entries = stored.map((file) => {
    const extension = file.name.slice(file.name.lastIndexOf(".") + 1);
    return { imageId: file.image.id, open: file.open, name: uniqueName(file.image.filename, extension, used) };
  });
  const present = new Set(entries.map((entry) => entry.imageId));
  const omitted = state.items.flatMap((item) =>
    present.has(item.imageId) ? [] : [omission(item, gone.get(item.imageId))],
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

/** What omitted.txt says of each way a converted item's file can be gone. */
const GONE: Record<FileGone, string> = {
  edited: "its image was edited after it was converted (convert it again for the edited picture)",
  imageDeleted: "its image was deleted after it was converted",
  watermarkDeleted: "the image drawn on it as a watermark was deleted after it was converted",
};

/** One line of omitted.txt: the item's image id and why it has no file in the archive. */
function omission(item: SessionItem, gone: FileGone | undefined): string {
  const reason =
    item.status === "done"
      ? GONE[gone ?? "imageDeleted"] // not gone at the first read, yet missing at the second: deleted in between
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
