// Tags follow the picture: an edit that cuts or turns it sends it to the tagger again, through the tagging queue
// (driven here as test/images/tagging/tagging-queue.test.ts drives it), and the model is shown the edited picture.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { editTransform, type ImageEdits } from "../../src/images/edits";
import { taggingInput } from "../../src/images/taggers";
import { createServices } from "../../src/services";
import { sha256Hex } from "../helpers/images";
import { librarySql } from "../helpers/library";
import { deliverTaggingJobs } from "../helpers/tagging-queue";
import { PHOTO, PHOTO_SIZE, userWithPhoto } from "../options/helpers";
import { putEdits, readImage } from "./helpers";

/** The key the AI stub is programmed and counted by: the SHA-256 of what the model is shown of the edited photo. */
async function editedInputSha(edits: ImageEdits): Promise<string> {
  const input = await taggingInput(createServices(env).platform.images, PHOTO, editTransform(PHOTO_SIZE, edits));
  return sha256Hex(input);
}

describe("tags after an edit", () => {
  it("a rotation and a crop make the image pending; the queue tags it again, as edited", async () => {
    const user = await userWithPhoto();
    expect(user.image.tagStatus).toBe("tagged");
    const edits: ImageEdits = { rotate: 90, crop: { x: 120, y: 35, width: 211, height: 197 } };
    const key = await editedInputSha(edits);
    await env.AI_STUB.program(key, { error: "busy" });

    const edited = await putEdits(user, user.image.id, edits);
    expect(edited.tagStatus).toBe("pending");
    // The previous tags stay visible until the new ones come.
    expect(edited.tags.map((tag) => tag.label)).toEqual(user.image.tags.map((tag) => tag.label));

    const retried = await deliverTaggingJobs([{ userId: user.user.id, imageId: user.image.id }]);
    expect(retried.retryMessages).toHaveLength(1);
    expect(await env.AI_STUB.calls(key)).toBeGreaterThanOrEqual(1); // the model was shown the edited picture

    await env.AI_STUB.program(key, { output: [{ label: "LIGHTHOUSE", score: 0.8 }] });
    const done = await deliverTaggingJobs([{ userId: user.user.id, imageId: user.image.id }]);
    expect(done.explicitAcks).toHaveLength(1);
    const read = await readImage(user, user.image.id);
    expect(read.tagStatus).toBe("tagged");
    expect(read.tags.map((tag) => tag.label)).toEqual(["lighthouse"]);
  });

  it("a colour-only edit keeps the tags as they are: nothing is queued", async () => {
    const user = await userWithPhoto();
    const [before] = await librarySql<{ tag_queued_at: number | null }>(
      user.user.id,
      "SELECT tag_queued_at FROM images WHERE id = ?",
      user.image.id,
    );
    const edited = await putEdits(user, user.image.id, { brightness: 1.3, saturation: 0.5 });
    expect(edited.tagStatus).toBe("tagged");
    const [after] = await librarySql<{ tag_status: string; tag_queued_at: number | null }>(
      user.user.id,
      "SELECT tag_status, tag_queued_at FROM images WHERE id = ?",
      user.image.id,
    );
    expect(after).toEqual({ tag_status: "tagged", tag_queued_at: before!.tag_queued_at });
  });

  it("a tagging of an earlier edit that finishes late records nothing", async () => {
    const user = await userWithPhoto();
    const first: ImageEdits = { rotate: 180 };
    const second: ImageEdits = { rotate: 270 };
    const firstKey = await editedInputSha(first);
    const secondKey = await editedInputSha(second);
    await env.AI_STUB.program(firstKey, { output: [{ label: "UPSIDE DOWN", score: 0.9 }], delayMs: 400 });
    await env.AI_STUB.program(secondKey, { error: "busy" });
    await putEdits(user, user.image.id, first);
    const late = deliverTaggingJobs([{ userId: user.user.id, imageId: user.image.id }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await putEdits(user, user.image.id, second); // while the tagger looks at the first edit
    await late;
    const read = await readImage(user, user.image.id);
    expect(read.tags.map((tag) => tag.label)).not.toContain("upside down");
    expect(read.tagStatus).toBe("pending");
  });
});
