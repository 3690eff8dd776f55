// Load benchmark: `npm run bench:load [-- --clients 50 --seconds 30]`. Not a CI test.
//
// The whole local stack (npm start on its own port: wrangler dev, the tagger with its embedded model, the image
// engine), then N clients, each signed in as its own user, uploading real photos (Debian's scikit-image photos, a
// different crop each time), listing and searching in a loop for the given time. Then it waits up to a minute and
// counts how many of the uploads are tagged: a tagger that falls behind leaves uploads `pending`, and the tagging
// queue must catch up.
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { photo } from "../image-engine/test/helpers/photos.js";
import { startLocalServer } from "../scripts/lib/local-server";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg("clients", 50);
const SECONDS = arg("seconds", 30);
const log = (...a: unknown[]) => console.error("[load]", ...a);

const sources = await Promise.all(
  ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"].map((n) => photo(n as never)),
);
let made = 0;
/** A different real photo every time (a crop at a new offset), so no upload is a duplicate of another. */
async function nextPhoto(): Promise<Buffer> {
  const n = made++;
  const source = sharp(sources[n % sources.length]);
  const { width = 400, height = 300 } = await source.metadata();
  const left = n % Math.max(1, width - 200);
  const top = Math.floor(n / 7) % Math.max(1, height - 150);
  return source.extract({ left, top, width: 200, height: 150 }).jpeg({ quality: 85 }).toBuffer();
}

const server = startLocalServer(process.env.PORT ?? "8796");
try {
  await server.ready(120_000);
  const base = server.base;
  const tokens = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const response = await fetch(`${base}/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `10.9.${i >> 8}.${i & 255}` },
        body: JSON.stringify({
          email: `load-${Date.now()}-${i}@example.com`,
          password: "correct horse battery staple",
          turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
        }),
      });
      if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
    }),
  );
  log(`${CLIENTS} users; running for ${SECONDS} s`);
  const uploads: { id: string; token: string; status: string }[] = [];
  const statuses = new Map<number, number>();
  const until = performance.now() + SECONDS * 1000;
  let requests = 0;
  await Promise.all(
    tokens.map(async (token, i) => {
      const auth = { authorization: `Bearer ${token}` };
      for (let round = 0; performance.now() < until; round++) {
        const step = round % 3;
        let response: Response;
        if (step === 0) {
          const form = new FormData();
          form.append("file", new File([await nextPhoto()], `load-${i}-${round}.jpg`));
          response = await fetch(`${base}/v1/images`, { method: "POST", headers: auth, body: form });
          if (response.status === 201) {
            const image = (await response.json()) as { id: string; tagStatus: string };
            uploads.push({ id: image.id, token, status: image.tagStatus });
          } else await response.arrayBuffer();
        } else {
          response = await fetch(`${base}/v1/images${step === 1 ? "?limit=20" : "/search?q=dog"}`, { headers: auth });
          await response.arrayBuffer();
        }
        requests++;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  const atOnce = uploads.filter((u) => u.status === "tagged").length;
  log(`${requests} requests (${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}); ${uploads.length} uploads`);
  const started = performance.now();
  let tagged = 0;
  let seconds = 0;
  const users = [...new Set(uploads.map((u) => u.token))];
  while (performance.now() - started < 60_000) {
    // Each user's own list (at most 100 uploads each): one request per user, with a deadline.
    const lists = await Promise.all(
      users.map(async (token) => {
        const response = await fetch(`${base}/v1/images?limit=100`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(15_000),
        }).catch(() => null);
        if (!response?.ok) return [];
        return ((await response.json()) as { items: { id: string; tagStatus: string }[] }).items;
      }),
    );
    const ids = new Set(uploads.map((u) => u.id));
    tagged = lists.flat().filter((item) => ids.has(item.id) && item.tagStatus === "tagged").length;
    seconds = (performance.now() - started) / 1000;
    log(`${seconds.toFixed(0)} s after: ${tagged} of ${uploads.length} tagged`);
    if (tagged === uploads.length) break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  console.log(`## Load, ${CLIENTS} clients for ${SECONDS} s (npm start, 2 cores)\n`);
  console.log("| measure | value |\n|---|---:|");
  console.log(`| requests (upload, list, search in turn) | ${requests} |`);
  console.log(`| statuses | ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")} |`);
  console.log(`| uploads stored | ${uploads.length} |`);
  console.log(`| tagged in the upload response | ${atOnce} |`);
  console.log(`| tagged ${seconds.toFixed(0)} s after the run | ${tagged} of ${uploads.length} |`);
} finally {
  server.stop();
}
