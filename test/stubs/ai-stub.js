// Stand-in for the Workers AI binding in tests (Workers AI cannot run locally). It honours the documented
// contract of @cf/microsoft/resnet-50: input `{ image: number[] }`, output the top 5 `{ label, score }` sorted by
// score, labels upper-case. Tests program its answer per image (by SHA-256) through the AiStubControl entrypoint.
import { WorkerEntrypoint } from "cloudflare:workers";

export const DEFAULT_OUTPUT = [
  { label: "TABBY", score: 0.41 },
  { label: "TIGER CAT", score: 0.23 },
  { label: "EGYPTIAN CAT", score: 0.17 },
  { label: "LYNX", score: 0.04 },
  { label: "TIGER", score: 0.02 },
];

/** sha256 → { output } | { error } | { invalid: true } | { delayMs } */
const programs = new Map();
/** sha256 → number of run() calls */
const calls = new Map();

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class AiStub extends WorkerEntrypoint {
  async run(model, inputs) {
    if (model !== "@cf/microsoft/resnet-50") throw new Error(`AiStub: unsupported model ${model}`);
    if (!Array.isArray(inputs?.image) || inputs.image.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
      throw new Error("AiStub: expected { image: number[] } of bytes");
    }
    const sha = await sha256Hex(Uint8Array.from(inputs.image));
    calls.set(sha, (calls.get(sha) ?? 0) + 1);
    const program = programs.get(sha) ?? {};
    if (program.delayMs) await new Promise((resolve) => setTimeout(resolve, program.delayMs));
    if (program.error) throw new Error(program.error);
    if (program.invalid) return { unexpected: "shape" };
    return program.output ?? DEFAULT_OUTPUT;
  }
}

export class AiStubControl extends WorkerEntrypoint {
  async program(sha256, behaviour) {
    programs.set(sha256, behaviour);
  }
  async calls(sha256) {
    return calls.get(sha256) ?? 0;
  }
}

export default {
  fetch() {
    return new Response("ai-stub", { status: 404 });
  },
};
