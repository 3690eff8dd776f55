// The committed label -> broader-terms table (built from WordNet 3.0 by scripts/build-label-ancestors.ts) has the
// properties search relies on: a query for `dog` can find a golden retriever, a query for `cat` never does.
import { describe, expect, it } from "vitest";
import table from "../../../src/images/search/label-ancestors.json";
import imagenetLabels from "../../../tagger/labels.json";

const ancestors: Record<string, string[]> = table;

/** The API's label normalisation (src/images/tagger.ts normaliseLabel) applied to the first synonym. */
const normalise = (label: string) =>
  (label.split(",")[0] ?? "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();

// The 80 COCO classes of the CenterNet detector.
const COCO = (
  "person,bicycle,car,motorcycle,airplane,bus,train,truck,boat,traffic light,fire hydrant,stop sign," +
  "parking meter,bench,bird,cat,dog,horse,sheep,cow,elephant,bear,zebra,giraffe,backpack,umbrella," +
  "handbag,tie,suitcase,frisbee,skis,snowboard,sports ball,kite,baseball bat,baseball glove,skateboard," +
  "surfboard,tennis racket,bottle,wine glass,cup,fork,knife,spoon,bowl,banana,apple,sandwich,orange," +
  "broccoli,carrot,hot dog,pizza,donut,cake,chair,couch,potted plant,bed,dining table,toilet,tv,laptop," +
  "mouse,remote,keyboard,cell phone,microwave,oven,toaster,sink,refrigerator,book,clock,vase,scissors," +
  "teddy bear,hair drier,toothbrush"
).split(",");

// Upper-ontology and catch-all terms that would match nearly every image: never search terms.
const STOP_TERMS = [
  "entity",
  "physical entity",
  "object",
  "physical object",
  "whole",
  "unit",
  "abstraction",
  "artifact",
  "artefact",
  "matter",
  "substance",
  "living thing",
  "organism",
  "being",
  "causal agent",
  "instrumentality",
  "device",
  "equipment",
  "commodity",
  "consumer goods",
  "covering",
  "structure",
  "natural object",
  "part",
  "placental",
  "chordate",
  "communication",
];

function termsOf(label: string): string[] {
  const terms = ancestors[label];
  if (!terms) throw new Error(`no entry for "${label}"`);
  return terms;
}

describe("label-ancestors.json", () => {
  it("has every ImageNet label of tagger/labels.json and every COCO class as a key", () => {
    expect(imagenetLabels).toHaveLength(1000);
    const missing = [...imagenetLabels.map(normalise), ...COCO].filter((label) => !(label in ancestors));
    expect(missing).toEqual([]);
  });

  it("is sorted by label, with normalised labels and no duplicate or self terms", () => {
    const keys = Object.keys(ancestors);
    expect(keys).toEqual([...keys].sort());
    for (const [label, terms] of Object.entries(ancestors)) {
      expect(normalise(label)).toBe(label);
      expect(new Set(terms).size, label).toBe(terms.length);
      expect(terms, label).not.toContain(label);
      for (const term of terms) expect(term, label).toMatch(/^[a-z0-9'][a-z0-9' -]*[a-z0-9]$/);
    }
  });

  it("dogs are dogs and animals, cats are not dogs", () => {
    expect(termsOf("golden retriever")).toEqual(expect.arrayContaining(["dog", "animal"]));
    expect(termsOf("border collie")).toContain("dog");
    expect(termsOf("golden retriever")).not.toContain("cat");
    expect(termsOf("dog")).toContain("animal"); // COCO
    // nearest first: the breed group before dog, dog before animal
    const golden = termsOf("golden retriever");
    expect(golden.indexOf("retriever")).toBeLessThan(golden.indexOf("dog"));
    expect(golden.indexOf("dog")).toBeLessThan(golden.indexOf("animal"));
  });

  it("cats are cats and never dogs", () => {
    for (const label of ["tabby", "persian cat"]) {
      expect(termsOf(label), label).toContain("cat");
      expect(termsOf(label), label).not.toContain("dog");
    }
    expect(termsOf("cat")).toContain("animal"); // COCO
    expect(termsOf("lion")).not.toContain("cat"); // a big cat is not what `cat` means
  });

  it("cars and buses are vehicles", () => {
    for (const label of ["sports car", "cab"])
      expect(termsOf(label), label).toEqual(expect.arrayContaining(["car", "vehicle"]));
    for (const label of ["car", "bus", "truck", "motorcycle", "bicycle", "airplane", "boat", "train"]) {
      expect(termsOf(label), label).toContain("vehicle"); // COCO
    }
    expect(termsOf("car")).not.toContain("container");
  });

  it("food is food", () => {
    for (const label of ["pizza", "cheeseburger", "banana", "hotdog", "hot dog", "broccoli", "orange", "sandwich"]) {
      expect(termsOf(label), label).toContain("food");
    }
    expect(termsOf("banana")).toContain("fruit");
  });

  it("never lists a stop-listed term", () => {
    const used = new Set(Object.values(ancestors).flat());
    expect(STOP_TERMS.filter((term) => used.has(term))).toEqual([]);
  });

  it("gives labels shared by unrelated classes only what all of them share", () => {
    // ImageNet "crane" (bird, machine) and "cardigan" (corgi, sweater); "kite" (ImageNet bird, COCO toy)
    expect(termsOf("cardigan")).not.toContain("dog");
    expect(termsOf("crane")).not.toContain("bird");
    expect(termsOf("kite")).not.toContain("bird");
  });
});
