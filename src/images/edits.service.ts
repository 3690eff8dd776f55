import type { Caller, Platform } from "../platform";
import { type ImageEdits, normaliseEdits } from "./edits";
import { type LibraryClient, openLibrary } from "./library/library-client";
import { imageNotFound } from "./not-found";
import { renditionEditVersion, watermarkVersion } from "./rendition-spec";
import { deleteRenditions } from "./store/image-objects";
import type { ImageRecord } from "./store/image-rows";
import { queueTagging } from "./upload";

/**
 * An image's non-destructive edits (edits.ts): kept in the owner's library with a version that names every rendition,
 * so a change makes new renditions (and new links and ETags) and the files of earlier edits can go; a change that cuts
 * or turns the picture sends it to the tagger again, which is shown it as edited.
 */
export class ImageEditService {
  constructor(private readonly platform: Platform) {}

  /** Replaces the image's edits wholesale (normalised; a crop outside the original as shown is a 400 naming it). */
  put(caller: Caller, id: string, edits: ImageEdits): Promise<ImageRecord> {
    return this.apply(caller, id, (shown) => normaliseEdits(edits, shown));
  }

  /** Back to the original: no edits. */
  revert(caller: Caller, id: string): Promise<ImageRecord> {
    return this.apply(caller, id, () => null);
  }

  private async apply(
    caller: Caller,
    id: string,
    edits: (shown: { width: number; height: number }) => ImageEdits | null,
  ): Promise<ImageRecord> {
    const library = openLibrary(this.platform, caller);
    const image = await library.getRow(id);
    if (!image) throw imageNotFound();
    const result = await library.setEdits(id, edits({ width: image.width, height: image.height }));
    if (!result) throw imageNotFound(); // deleted meanwhile: a delete wins
    if (result.changed) await this.deleteEarlierRenditions(library, result.image);
    if (result.retag) await queueTagging(this.platform, library, caller, id);
    return result.image;
  }

  /**
   * Deletes the renditions made under earlier edit versions: of the image, and of the images that draw it as a
   * watermark. They are never served again (their names carry the versions) and would otherwise count against nothing
   * but storage. Only older versions, so a late cleanup never takes the files of a newer edit. Best effort: a file it
   * misses stays unused, not served, not counted in the budget, and goes with its image (or its watermark).
   */
  private async deleteEarlierRenditions(library: LibraryClient, image: ImageRecord): Promise<void> {
    const { bucket } = this.platform;
    const earlier = (version: number | null) => version !== null && version < image.edit_version;
    try {
      const drawnBy = await library.watermarkUses(image.id);
      await Promise.all([
        deleteRenditions(bucket, image.user_id, image.sha256, (name) => earlier(renditionEditVersion(name))),
        ...drawnBy.map((sha256) =>
          deleteRenditions(bucket, image.user_id, sha256, (name) => earlier(watermarkVersion(name, image.id))),
        ),
      ]);
    } catch (error) {
      console.error("renditions of earlier edits not deleted", {
        imageId: image.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
