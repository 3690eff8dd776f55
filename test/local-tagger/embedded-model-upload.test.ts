import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { uploadImageRoute as uploadImage } from "../../src/images/images.routes";
import { signedInClient } from "../helpers/client";
import { testConfig } from "../helpers/config";
import { expectContract } from "../helpers/contract";
import { EMBEDDED_MODEL_TAGGER_PORT } from "./ports";

const photos = inject("photosBase64");
const photo = (name: string) => Uint8Array.from(atob(photos[name]!), (c) => c.charCodeAt(0));

/**
 * The Worker's LOCAL_TAGGER_URL is the tagger with the tiny test model; these uploads go to the tagger without
 * ResNet-50 weights instead (its embedded CenterNet answers). Only the address changes: the Worker's request and
 * the tagger's real response pass through untouched. Returns what the tagger answered, per call.
 */
function routeTaggerToEmbeddedModel() {
  const realFetch = globalThis.fetch;
  const taggerRun = new URL("/run", testConfig().LOCAL_TAGGER_URL).href;
  const answers: { status: number; model: string | null }[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url !== taggerRun) return realFetch(request);
    const response = await realFetch(new Request(`http://127.0.0.1:${EMBEDDED_MODEL_TAGGER_PORT}/run`, request));
    answers.push({ status: response.status, model: response.headers.get("x-tagger-model") });
    return response;
  });
  return answers;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("local mode without ResNet-50 weights: the embedded model tags real photos end to end", () => {
  for (const [name, label] of [
    ["astronaut.png", "person"],
    ["coffee.png", "cup"],
    ["motorcycle_left.png", "motorcycle"],
  ] as const) {
    it(`${name} → ${label}`, { timeout: 30_000 }, async () => {
      const answers = routeTaggerToEmbeddedModel();
      const { client } = await signedInClient();
      const form = new FormData();
      form.append("file", new File([photo(name)], name, { type: "image/png" }));
      const image = await expectContract(uploadImage, 201, await client.POST("/v1/images", { body: form as never }));

      expect(answers).toEqual([{ status: 200, model: "centernet-coco80" }]);
      expect(image.tagStatus).toBe("tagged");
      expect(image.tags[0]).toMatchObject({ label, source: "ai", model: "centernet-coco80" });
      expect(image.tags[0]!.score).toBeGreaterThanOrEqual(0.4);
      for (const tag of image.tags) expect(tag).toMatchObject({ source: "ai", model: "centernet-coco80" });
    });
  }
});
