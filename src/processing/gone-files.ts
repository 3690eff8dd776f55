import { renditionEditVersion } from "../images/rendition-spec";
import type { SessionState } from "./session-types";

/**
 * Why the file a converted item made is gone. Renditions follow their image: an edit deletes the ones made from
 * earlier edits, a delete all of them, and deleting an image deletes every rendition that draws it as a watermark.
 * The session's view shows it on the item (`rendition.gone`); the archive's omitted.txt says it in words.
 */
export const FILE_GONE = ["edited", "imageDeleted", "watermarkDeleted"] as const;
export type FileGone = (typeof FILE_GONE)[number];

/** The images `goneFiles` needs the edit versions of: those of the converted items, and the output's watermark. */
export function imagesToCheck(state: SessionState): string[] {
  const converted = state.items.flatMap((item) => (item.status === "done" && item.rendition ? [item.imageId] : []));
  const watermark = state.output.watermark?.imageId;
  return converted.length > 0 && watermark !== undefined ? [...converted, watermark] : converted;
}

/**
 * For each converted item whose file is gone, why. `versions`: the current edit version of each image of
 * `imagesToCheck(state)` that still exists.
 */
export function goneFiles(state: SessionState, versions: Map<string, number>): Map<string, FileGone> {
  const watermark = state.output.watermark?.imageId;
  const watermarkGone = watermark !== undefined && !versions.has(watermark);
  const gone = new Map<string, FileGone>();
  for (const { imageId, status, rendition } of state.items) {
    if (status !== "done" || !rendition) continue;
    const version = versions.get(imageId);
    if (version === undefined) gone.set(imageId, "imageDeleted");
    else if (watermarkGone) gone.set(imageId, "watermarkDeleted");
    else if (renditionEditVersion(rendition.name) !== version) gone.set(imageId, "edited");
  }
  return gone;
}
