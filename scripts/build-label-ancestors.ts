// Builds src/images/search/label-ancestors.json: for every label the taggers can store (the 1000 ImageNet classes of
// ResNet-50, as tagger/labels.json names them, and the 80 COCO classes of the CenterNet detector), the broader terms a
// user might type instead ("golden retriever" -> "dog", "animal"), nearest first. Search indexes an image's labels
// together with these terms, so a query for `dog` finds a golden retriever.
//
//   npx tsx scripts/build-label-ancestors.ts            regenerate the file
//   npx tsx scripts/build-label-ancestors.ts --check    exit 1 if the committed file differs from a fresh build (CI)
// (`npm run build:label-ancestors` / `npm run check:label-ancestors` also run build-label-terms-migration.ts.)
//
// Data, offline, from Debian (apt-get download + dpkg-deb -x into the git-ignored .cache/debian/, reused once there):
//   wordnet-base  WordNet 3.0, usr/share/wordnet/data.noun + index.noun. An ImageNet id nXXXXXXXX is the noun synset at
//                 byte offset XXXXXXXX of data.noun.
//   darknet       usr/share/darknet/data/imagenet.labels.list: the first 1000 lines are the ILSVRC-2012 synset ids;
//                 sorted, they are the class order of ResNet-50's logits (0 n01440764 tench ... 999 n15075141).
//   scowl         Spell-Checker Oriented Word Lists: English words graded by how common they are (size 10 ... 95).
//
// THE RULE (which ancestors become search terms)
// Walk every hypernym (`@`) and instance-hypernym (`@i`) pointer up from the class synset to `entity`, breadth first,
// and keep an ancestor synset's terms only if
//   1. the synset is not on STOP_SYNSETS below: WordNet's upper ontology and catch-all "kind of thing" categories
//      (entity, physical entity, object, whole, artifact, living thing, organism, matter, substance,
//      instrumentality, device, equipment, commodity, covering, structure, ...), which hold for hundreds of labels
//      each and so would match almost everything, plus a dozen scientific groupings that pass rule 2 but that nobody
//      searches photos by (placental, ungulate, ruminant, arthropod, angiosperm, plant organ, ...) and a few odd
//      one-off generalisations (fire hydrant -> "way", bakery -> "point", tv -> "set"); and
//   2. the term is COMMON: every word of it (split on spaces and hyphens) is in SCOWL up to size 50 (SCOWL's
//      "medium" list, what ordinary spell-checkers accept). This is what removes the Linnaean and technical layers
//      (chordate, diapsid, passerine, oscine, colubrid, bovid, teleost, lepidopterous insect, ...) without
//      hand-listing hundreds of taxa, and keeps canine, carnivore, mammal, reptile, rodent, crustacean, ...
// A term is a lemma of the synset, lower-cased, "_" -> " ". Which lemmas of a kept synset become terms:
//   - the first lemma (WordNet's head word for the synset), if common;
//   - a further lemma only if it is common, this synset is that word's most frequent noun sense (sense #1 in
//     index.noun), and WordNet's sense-tagged corpus uses the word in this sense at least MIN_TAG_COUNT times
//     (cntlist.rev). So car gives `car`, `auto`, `automobile` but not `machine` (machine #1 is "any mechanical or
//     electrical device") nor `motorcar` (tagged once); animal gives `beast` and `creature` but not `fauna`; and
//     lion's "big cat, cat" gives `big cat` but not `cat` (cat #1 is the true cat): lions do not answer `cat`.
// The class's own synset contributes its other names by the same rule, at distance 0 (COCO "couch" -> "sofa",
// "tv" -> "television receiver", "sports ball" -> "ball", ImageNet "jelly fish" -> "jellyfish"). A term equal to the
// label, or already listed nearer, is dropped. Order: by distance (hypernym steps), ties in WordNet's pointer order.
// A label the API stores for two different classes ("crane": the bird and the machine; "cardigan": the corgi and the
// sweater; "maillot" twice; COCO's toy "kite" vs ImageNet's bird "kite") cannot be told apart after tagging, so it
// gets only the terms common to all its senses: a sweater must not answer a search for `dog`.
// Three corrections to WordNet are listed below (IGNORED_HYPERNYMS, EXTRA_HYPERNYMS, IMAGENET_OVERRIDES).
//
// COCO classes are mapped to synsets by hand (COCO below), choosing the sense the detector actually reports: the
// object in a photo (artifact or food senses), never people/abstract senses; where an ImageNet class has the same
// name, the same synset as ImageNet's; and for names WordNet lacks, the nearest synset that has them as members.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

type DebianPackage = "wordnet-base" | "darknet" | "scowl";
/** A WordNet noun synset: its lemmas, their sense keys, and its hypernyms (after the corrections below). */
type Synset = { offset: number; lemmas: string[]; senseKeys: string[]; hypernyms: number[] };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = path.join(ROOT, ".cache", "debian");
const LABELS_FILE = path.join(ROOT, "tagger", "labels.json");
const OUT_FILE = path.join(ROOT, "src", "images", "search", "label-ancestors.json");
const SCOWL_MAX_SIZE = 50;
const MIN_TAG_COUNT = 2;
const JSON_LINE_WIDTH = 120; // biome's lineWidth: the output is written exactly as `biome format` would leave it

// Synsets never used as search terms (offset: first lemma). Rule 1 above.
const STOP_SYNSETS: Record<string, string> = {
  // WordNet's top levels and abstract categories
  "00001740": "entity",
  "00001930": "physical entity",
  "00002137": "abstraction",
  "00002684": "object",
  "00003553": "whole, unit",
  "00004258": "living thing",
  "00004475": "organism, being",
  "00007347": "causal agent",
  "00019128": "natural object",
  "00019613": "substance",
  "00020090": "substance",
  "00020827": "matter",
  "00021939": "artifact",
  "00022903": "article",
  "00024264": "attribute",
  "00027167": "location",
  "00027807": "shape, form",
  "00031921": "relation",
  "00033020": "communication",
  "03129123": "creation",
  "03892891": "part, portion",
  "03932203": "piece",
  "04007894": "product, production",
  13809207: "part, component",
  14580897: "material, stuff",
  15046900: "solid",
  14940386: "liquid",
  14939900: "fluid",
  14778436: "agent",
  // catch-all functional categories of artifacts (hundreds of unrelated members each)
  "03575240": "instrumentality",
  "03183080": "device",
  "03294048": "equipment",
  "03076708": "commodity, trade good",
  "03093574": "consumer goods",
  "03257877": "durables",
  "03122748": "covering",
  "04014297": "protective covering",
  "04341686": "structure, construction",
  "03736970": "mechanical device",
  "03738472": "mechanism",
  "04081844": "restraint",
  "03839993": "obstruction",
  "04377057": "system",
  "04359589": "support",
  "04360501": "support",
  "03405265": "furnishing",
  "04550840": "ware",
  "04451818": "tool",
  "03563967": "implement",
  "03574816": "instrument",
  "03297735": "establishment",
  "03953020": "place of business",
  "07570720": "nutriment",
  "07566340": "foodstuff",
  // odd one-off generalisations (a search for them should not return these labels)
  "02735688": "area", // patio
  "02788689": "bar", // scissors, space bar (a search for `bar` means the pub)
  "03032811": "circle", // frisbee
  "03895293": "passage", // fire hydrant
  "04110955": "rotating mechanism", // frisbee
  "04176528": "set", // tv
  "04188643": "sheet, flat solid", // frisbee, skateboard, surfboard
  "04564698": "way", // fire hydrant
  "04599396": "work", // comic book
  "06254669": "medium", // comic book
  "08578706": "geographic point", // bakery
  "08620061": "point", // bakery
  "09626238": "peer, equal", // groom
  "09816771": "associate", // groom
  10401829: "participant", // groom
  // scientific groupings that pass the word-list test but that nobody searches photos by
  "01473806": "aquatic vertebrate",
  "01767661": "arthropod",
  "01886756": "placental",
  "02370806": "ungulate",
  "02373336": "odd-toed ungulate",
  "02394477": "even-toed ungulate",
  "02399000": "ruminant",
  11665372: "angiosperm",
  11675842: "reproductive structure",
  13083586: "vascular plant",
  13086908: "plant part",
  13087625: "plant organ",
};

// Hypernym links not followed: WordNet files "wheeled vehicle" under "container" as well as "vehicle", which would
// make every car and bicycle answer a search for `container`.
const IGNORED_HYPERNYMS: [from: string, to: string][] = [["04576211", "03094503"]]; // wheeled vehicle -> container
// Hypernym links added: WordNet files bus and train only under "public transport", so `vehicle` would miss them.
const EXTRA_HYPERNYMS: [from: string, to: string][] = [
  ["02924116", "03791235"], // bus -> motor vehicle
  ["04468005", "04524313"], // train -> vehicle
];

// ImageNet classes whose WordNet synset is not what the class's photos show. ILSVRC's "cup" (n07930864) is, in
// WordNet, "a punch served in a pitcher"; its photos are cups and mugs, so it is treated as the drinking vessel.
const IMAGENET_OVERRIDES: Record<string, string> = { n07930864: "03147509" };

// The 80 COCO classes in the detector's class order, each with its WordNet noun synset and a lemma of that synset
// (checked, so a typo in an offset cannot go unnoticed). Comments say why where the plain word is ambiguous.
const COCO: [label: string, synsetOffset: string, lemma: string][] = [
  ["person", "00007846", "person"],
  ["bicycle", "02834778", "bicycle"],
  ["car", "02958343", "car"], // the automobile, not a railway or elevator car
  ["motorcycle", "03790512", "motorcycle"],
  ["airplane", "02691156", "airplane"],
  ["bus", "02924116", "bus"],
  ["train", "04468005", "train"],
  ["truck", "04490091", "truck"],
  ["boat", "02858304", "boat"],
  ["traffic light", "06874185", "traffic light"], // = ImageNet's "traffic light"
  ["fire hydrant", "03346898", "fire hydrant"], // "fireplug, fire hydrant, plug"
  ["stop sign", "06794110", "street sign"], // WordNet has no stop or traffic sign; street sign is the nearest
  ["parking meter", "03891332", "parking meter"],
  ["bench", "02828884", "bench"], // the seat (not the workbench or the judiciary)
  ["bird", "01503061", "bird"],
  ["cat", "02121620", "cat"], // true cat (domestic and wild small cats), not big cat
  ["dog", "02084071", "dog"],
  ["horse", "02374451", "horse"],
  ["sheep", "02411705", "sheep"],
  ["cow", "02403454", "cow"], // female domestic cattle (not "mature female of mammals")
  ["elephant", "02503517", "elephant"],
  ["bear", "02131653", "bear"],
  ["zebra", "02391049", "zebra"],
  ["giraffe", "02439033", "giraffe"],
  ["backpack", "02769748", "backpack"],
  ["umbrella", "04507155", "umbrella"],
  ["handbag", "02774152", "handbag"], // "bag, handbag, pocketbook, purse"
  ["tie", "03815615", "tie"], // necktie
  ["suitcase", "02773838", "suitcase"],
  ["frisbee", "03397947", "Frisbee"],
  ["skis", "04228054", "ski"],
  ["snowboard", "04251791", "snowboard"],
  ["sports ball", "02778669", "ball"], // "round object that is hit or thrown or kicked in games"
  ["kite", "03621473", "kite"], // the toy flown on a string (ImageNet's "kite" is the bird)
  ["baseball bat", "02799175", "baseball bat"],
  ["baseball glove", "02800213", "baseball glove"], // "baseball glove, glove, baseball mitt, mitt"
  ["skateboard", "04225987", "skateboard"],
  ["surfboard", "04363559", "surfboard"],
  ["tennis racket", "04409806", "tennis racket"],
  ["bottle", "02876657", "bottle"],
  ["wine glass", "04592099", "wineglass"],
  ["cup", "03147509", "cup"], // the drinking vessel (not the trophy or the quantity)
  ["fork", "03383948", "fork"], // cutlery (not the garden fork)
  ["knife", "03623556", "knife"], // the edge tool/cutlery (not the weapon)
  ["spoon", "04284002", "spoon"],
  ["bowl", "02881193", "bowl"], // the vessel
  ["banana", "07753592", "banana"], // the fruit (= ImageNet), not the plant
  ["apple", "07739125", "apple"], // the fruit, not the tree
  ["sandwich", "07695965", "sandwich"],
  ["orange", "07747607", "orange"], // the fruit (= ImageNet), not the colour
  ["broccoli", "07714990", "broccoli"], // the vegetable (= ImageNet), not the plant
  ["carrot", "07730207", "carrot"], // the vegetable as food, not the plant or its root as botany
  ["hot dog", "07697537", "hot dog"], // "hotdog, hot dog, red hot": the frankfurter on a bun (= ImageNet "hotdog")
  ["pizza", "07873807", "pizza"],
  ["donut", "07639069", "donut"],
  ["cake", "07628870", "cake"], // baked goods (not "a block of solid substance")
  ["chair", "03001627", "chair"],
  ["couch", "04256520", "couch"], // "sofa, couch, lounge"
  ["potted plant", "11536230", "pot plant"], // "a plant suitable for growing in a flowerpot (especially indoors)"
  ["bed", "02818832", "bed"], // the furniture
  ["dining table", "03201208", "dining table"],
  ["toilet", "04446521", "toilet"], // the plumbing fixture, not the room
  ["tv", "04405907", "tv"], // television receiver (the set, not broadcasting)
  ["laptop", "03642806", "laptop"],
  ["mouse", "03793489", "computer mouse"], // the computer mouse (= ImageNet "mouse, computer mouse"), not the rodent
  ["remote", "04074963", "remote control"],
  ["keyboard", "03085013", "computer keyboard"], // what COCO photos show (= ImageNet "computer keyboard")
  ["cell phone", "02992529", "cellular telephone"],
  ["microwave", "03761084", "microwave oven"], // the oven, not the electromagnetic wave
  ["oven", "03862676", "oven"],
  ["toaster", "04442312", "toaster"], // the appliance, not the person proposing a toast
  ["sink", "04223580", "sink"], // the plumbing fixture
  ["refrigerator", "04070727", "refrigerator"],
  ["book", "02870092", "book"], // the physical object (pages bound together), not the written work
  ["clock", "03046257", "clock"],
  ["vase", "04522168", "vase"],
  ["scissors", "04148054", "scissors"],
  ["teddy bear", "04399382", "teddy bear"], // = ImageNet "teddy, teddy bear"
  ["hair drier", "03483316", "hair drier"], // = ImageNet "hand blower, blow dryer, blow drier, hair dryer, hair drier"
  ["toothbrush", "04453156", "toothbrush"],
];

const PACKAGES: Record<DebianPackage, string> = {
  "wordnet-base": "usr/share/wordnet/data.noun",
  darknet: "usr/share/darknet/data/imagenet.labels.list",
  scowl: "usr/share/dict/scowl/english-words.10",
};

/** Same normalisation as the API's normaliseLabel (src/images/tagger.ts). */
function normaliseLabel(label: string): string {
  return label.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

const term = (lemma: string): string => normaliseLabel(lemma.replace(/_/g, " "));

function fetchPackage(name: DebianPackage): string {
  const dir = path.join(CACHE, name);
  if (existsSync(path.join(dir, PACKAGES[name]))) return dir;
  mkdirSync(CACHE, { recursive: true });
  const debOf = () => readdirSync(CACHE).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
  if (!debOf()) {
    try {
      execFileSync("apt-get", ["download", name], { cwd: CACHE, stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      const failure = error as { stderr?: unknown; message?: string };
      throw new Error(
        `apt-get download ${name} failed (run \`apt-get update\` first?): ${String(failure.stderr ?? failure.message).trim()}`,
      );
    }
  }
  execFileSync("dpkg-deb", ["-x", path.join(CACHE, debOf()!), dir]);
  if (!existsSync(path.join(dir, PACKAGES[name]))) throw new Error(`${name}: ${PACKAGES[name]} missing from the .deb`);
  return dir;
}

function loadWordNet(dir: string) {
  const data = readFileSync(path.join(dir, "usr/share/wordnet/data.noun"));
  const cache = new Map<number, Synset>();
  /** The noun synset at a byte offset of data.noun. */
  const synset = (offset: number): Synset => {
    let s = cache.get(offset);
    if (s) return s;
    const line = data.toString("latin1", offset, data.indexOf(10, offset));
    const fields = line.split(" | ")[0]!.trim().split(" ");
    if (Number(fields[0]) !== offset || fields[2] !== "n") throw new Error(`no noun synset at offset ${offset}`);
    const count = Number.parseInt(fields[3]!, 16);
    const lemmas: string[] = [];
    const senseKeys: string[] = []; // lemma%1:lexfile:lexid:: (as in cntlist.rev)
    for (let i = 0; i < count; i++) {
      const lemma = fields[4 + 2 * i]!;
      lemmas.push(lemma);
      const lexId = Number.parseInt(fields[5 + 2 * i]!, 16);
      senseKeys.push(`${lemma.toLowerCase()}%1:${fields[1]}:${String(lexId).padStart(2, "0")}::`);
    }
    let k = 4 + 2 * count;
    const pointers = Number(fields[k++]);
    const hypernyms: number[] = [];
    for (let i = 0; i < pointers; i++, k += 4) {
      if ((fields[k] === "@" || fields[k] === "@i") && fields[k + 2] === "n") hypernyms.push(Number(fields[k + 1]));
    }
    const ignored = IGNORED_HYPERNYMS.filter(([from]) => Number(from) === offset).map(([, to]) => Number(to));
    if (ignored.some((to) => !hypernyms.includes(to)))
      throw new Error(`IGNORED_HYPERNYMS: no such link from ${offset}`);
    const extra = EXTRA_HYPERNYMS.filter(([from]) => Number(from) === offset).map(([, to]) => Number(to));
    s = { offset, lemmas, senseKeys, hypernyms: [...hypernyms.filter((o) => !ignored.includes(o)), ...extra] };
    cache.set(offset, s);
    return s;
  };
  /** lower-cased lemma (underscores) -> offset of its sense #1 */
  const firstSense = new Map<string, number>();
  for (const line of readFileSync(path.join(dir, "usr/share/wordnet/index.noun"), "latin1").split("\n")) {
    if (!line || line.startsWith(" ")) continue;
    const fields = line.trim().split(" ");
    const senses = Number(fields[2]);
    firstSense.set(fields[0]!, Number(fields[fields.length - senses]));
  }
  /** sense key -> times the sense is tagged in WordNet's sense-tagged corpus (SemCor) */
  const tagCount = new Map<string, number>();
  for (const line of readFileSync(path.join(dir, "usr/share/wordnet/cntlist.rev"), "latin1").split("\n")) {
    const [key, , count] = line.split(" ");
    if (key) tagCount.set(key, Number(count));
  }
  return { synset, firstSense, tagCount };
}

function loadCommonWords(dir: string): Set<string> {
  const words = new Set<string>();
  const folder = path.join(dir, "usr/share/dict/scowl");
  for (const file of readdirSync(folder).sort()) {
    const match = /^(english|american|british)-(words|upper)\.(\d+)$/.exec(file);
    if (!match || Number(match[3]) > SCOWL_MAX_SIZE) continue;
    for (const word of readFileSync(path.join(folder, file), "latin1").split("\n")) if (word) words.add(word);
  }
  return words;
}

function readImageNetClasses(darknetDir: string): { label: string; id: string; offset: number }[] {
  const ids = readFileSync(path.join(darknetDir, PACKAGES.darknet), "utf8").split("\n").slice(0, 1000).sort();
  if (ids.length !== 1000 || !ids.every((id) => /^n\d{8}$/.test(id)))
    throw new Error("unexpected imagenet.labels.list");
  const names: unknown = JSON.parse(readFileSync(LABELS_FILE, "utf8"));
  if (!Array.isArray(names) || names.length !== 1000) throw new Error(`${LABELS_FILE}: expected 1000 class names`);
  // "tabby, tabby cat" or "TABBY": the API stores the first synonym, normalised.
  return names.map((name, index) => ({
    label: normaliseLabel(String(name).split(",")[0]!),
    id: ids[index]!,
    offset: Number(IMAGENET_OVERRIDES[ids[index]!] ?? ids[index]!.slice(1)),
  }));
}

function build() {
  const wordnetDir = fetchPackage("wordnet-base");
  const darknetDir = fetchPackage("darknet");
  const scowlDir = fetchPackage("scowl");
  const { synset, firstSense, tagCount } = loadWordNet(wordnetDir);
  const common = loadCommonWords(scowlDir);
  const notes: string[] = [];
  for (const [id, name] of Object.entries(STOP_SYNSETS)) {
    const head = term(synset(Number(id)).lemmas[0]!);
    if (head !== name.split(",")[0]) throw new Error(`STOP_SYNSETS: ${id} is "${head}", not "${name}"`);
  }

  const isCommon = (lemma: string): boolean =>
    lemma
      .replace(/_/g, " ")
      .split(/[\s-]+/)
      .every((word) => common.has(word) || (word !== word.toLowerCase() && common.has(word.toLowerCase())));

  /** The search terms a kept ancestor synset contributes (rule 2). */
  const termsOf = (s: Synset): string[] => {
    if (STOP_SYNSETS[String(s.offset).padStart(8, "0")]) return [];
    return s.lemmas
      .filter(
        (lemma, i) =>
          isCommon(lemma) &&
          (i === 0 ||
            (firstSense.get(lemma.toLowerCase()) === s.offset &&
              (tagCount.get(s.senseKeys[i]!) ?? 0) >= MIN_TAG_COUNT)),
      )
      .map(term);
  };

  /** Broader terms of one synset, nearest first. */
  const ancestors = (offset: number, label: string): string[] => {
    const out: string[] = [];
    // Distance 0: the class's own other names under the same rule ("couch" -> "sofa", "tv" -> "television
    // receiver", "sports ball" -> "ball"), so that a user typing the synonym finds it too.
    for (const t of termsOf(synset(offset))) if (t !== label && !out.includes(t)) out.push(t);
    const seen = new Set([offset]);
    let frontier = synset(offset).hypernyms;
    while (frontier.length) {
      const next: number[] = [];
      for (const o of frontier) {
        if (seen.has(o)) continue;
        seen.add(o);
        const s = synset(o);
        for (const t of termsOf(s)) if (t !== label && !out.includes(t)) out.push(t);
        next.push(...s.hypernyms);
      }
      frontier = next;
    }
    return out;
  };

  const senses = new Map<string, number[]>(); // label -> [offset, ...]
  const addSense = (label: string, offset: number) => {
    const list = senses.get(label) ?? [];
    if (!list.includes(offset)) list.push(offset);
    senses.set(label, list);
  };

  for (const { label, id, offset } of readImageNetClasses(darknetDir)) {
    const head = term(synset(Number(id.slice(1))).lemmas[0]!);
    if (head !== label) notes.push(`ImageNet label "${label}" vs WordNet head lemma "${head}" (${id})`);
    addSense(label, offset);
  }
  if (COCO.length !== 80) throw new Error("COCO must list 80 classes");
  for (const [label, id, lemma] of COCO) {
    const s = synset(Number(id));
    if (!s.lemmas.some((l) => term(l) === lemma.toLowerCase())) {
      throw new Error(`COCO "${label}": synset ${id} (${s.lemmas.join(", ")}) has no lemma "${lemma}"`);
    }
    addSense(normaliseLabel(label), Number(id));
  }

  const result: Record<string, string[]> = {};
  for (const label of [...senses.keys()].sort()) {
    const offsets = senses.get(label)!;
    const lists = offsets.map((offset) => ancestors(offset, label));
    if (lists.length > 1) {
      const shared = lists[0]!.filter((t) => lists.every((list) => list.includes(t)));
      notes.push(
        `"${label}" names ${lists.length} classes (${offsets
          .map((o) => synset(o).lemmas[0])
          .join(" / ")}): kept only shared terms [${shared.join(", ")}]`,
      );
      result[label] = shared;
    } else {
      result[label] = lists[0]!;
    }
  }
  return { result, notes };
}

/** JSON laid out the way biome formats it (one label per line; an array too long for a line gets one term per line). */
function serialise(result: Record<string, string[]>): string {
  const lines = Object.entries(result).map(([label, terms], i, all) => {
    const comma = i < all.length - 1 ? "," : "";
    const inline = `  ${JSON.stringify(label)}: [${terms.map((t) => JSON.stringify(t)).join(", ")}]${comma}`;
    if (inline.length <= JSON_LINE_WIDTH || terms.length === 0) return inline;
    return [
      `  ${JSON.stringify(label)}: [`,
      ...terms.map((t, j) => `    ${JSON.stringify(t)}${j < terms.length - 1 ? "," : ""}`),
      `  ]${comma}`,
    ].join("\n");
  });
  return `{\n${lines.join("\n")}\n}\n`;
}

const started = performance.now();
const { result, notes } = build();
const text = serialise(result);
const terms = new Set(Object.values(result).flat());
const summary = `${Object.keys(result).length} labels, ${terms.size} distinct broader terms, ${Buffer.byteLength(text)} bytes`;
for (const note of notes) console.error(`note: ${note}`);

if (process.argv.includes("--check")) {
  const committed = existsSync(OUT_FILE) ? readFileSync(OUT_FILE, "utf8") : "";
  if (committed !== text) {
    let old: Record<string, string[]> = {};
    try {
      old = JSON.parse(committed);
    } catch {}
    const changed = Object.keys({ ...old, ...result }).filter(
      (k) => JSON.stringify(old[k]) !== JSON.stringify(result[k]),
    );
    console.error(
      `${path.relative(ROOT, OUT_FILE)} is out of date (labels that differ: ${changed.length}, ${changed.slice(0, 10).join(", ")}${changed.length > 10 ? ", ..." : ""}).\nRun: npm run build:label-ancestors`,
    );
    process.exit(1);
  }
  console.log(
    `${path.relative(ROOT, OUT_FILE)} is current: ${summary} (${Math.round(performance.now() - started)} ms)`,
  );
} else {
  mkdirSync(path.dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, text);
  console.log(`wrote ${path.relative(ROOT, OUT_FILE)}: ${summary} (${Math.round(performance.now() - started)} ms)`);
}
