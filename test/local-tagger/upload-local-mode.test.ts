import { describe, expect, inject, it } from "vitest";
import { uploadImageRoute as uploadImage } from "../../src/images/images.routes";
import { ResNetOutputSchema, tagImage } from "../../src/images/tagger";
import { localTagger } from "../../src/images/taggers";
import { signedInClient } from "../helpers/client";
import { testConfig } from "../helpers/config";
import { expectContract } from "../helpers/contract";
import { MISSING_MODEL_TAGGER_PORT } from "./ports";

const tabbyPng = Uint8Array.from(atob(inject("tabbyPngBase64")), (c) => c.charCodeAt(0));

describe("local mode: the Worker tags through the tagger/ service", () => {
  it("an upload gets the local model's labels end to end", async () => {
    const direct = await fetch(`${testConfig().LOCAL_TAGGER_URL}/run`, {
      method: "POST",
      body: JSON.stringify({ image: Array.from(tabbyPng) }),
      headers: { "Content-Type": "application/json" },
    });
    const answer = await direct.json();
    const expected = ResNetOutputSchema.parse(answer);
    expect(expected).toHaveLength(5);
    expect(expected[0]!.label).toBe("TABBY");

    const { client } = await signedInClient();
    const form = new FormData();
    form.append("file", new File([tabbyPng], "orange.png", { type: "image/png" }));
    const image = await expectContract(uploadImage, 201, await client.POST("/v1/images", { body: form as never }));

    expect(image.tagStatus).toBe("tagged");
    const kept = expected.filter((tag) => tag.score >= testConfig().TAG_MIN_SCORE);
    // The tagger names its model in X-Tagger-Model (weights present: ResNet-50); the Worker records it per tag.
    expect(image.tags).toEqual(
      kept.map((tag) => ({ label: tag.label.toLowerCase(), score: tag.score, source: "ai", model: "resnet-50-onnx" })),
    );
    expect(image.tags[0]!.label).toBe("tabby");
  });

  it("without weights, tagging fails with the service's reason and never invents labels", async () => {
    const outcome = await tagImage(localTagger(`http://127.0.0.1:${MISSING_MODEL_TAGGER_PORT}`), tabbyPng, {
      minScore: 0.05,
      timeoutMs: 5000,
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.status === "failed" && outcome.error).toMatch(/model:fetch/);
  });

  it("a tagger that is not running fails the tagging, not the upload", async () => {
    const outcome = await tagImage(localTagger("http://127.0.0.1:9"), tabbyPng, { minScore: 0.05, timeoutMs: 5000 });
    expect(outcome).toEqual({ status: "failed", error: expect.stringMatching(/not running/) });
  });
});
