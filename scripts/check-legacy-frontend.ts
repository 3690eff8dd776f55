// Real-browser check of the deprecated /api/* layer: a page on another origin (http://localhost:5173, the
// frontend's) does in headless Chromium what the deployed gallery does — register, log in, read `sub` with atob,
// upload a photo with that userId (multipart from a FormData with a File), list the images, show each as
// <img src={image.data}>, search by a tag prefix, and click a download link — against the local server.
import http from "node:http";
import type { Browser } from "playwright-core";
import sharp from "sharp";
import { launchChromium, startLocalServer } from "./lib/local-server";

/** What the page's window.run(api) answers. */
type Gallery = {
  run(api: string): Promise<{
    userId: string;
    tags: string;
    count: number;
    naturalWidth: number;
    filename: string;
    searched: boolean;
  }>;
};

const server = startLocalServer(process.env.PORT ?? "8798");
const photo = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 200, g: 120, b: 40 } } })
  .png()
  .toBuffer();

const page = `<!doctype html><meta charset="utf-8"><title>gallery</title><body><script>
window.run = async (api) => {
  const email = "gallery-" + Date.now() + "@example.com", password = "correct horse battery staple";
  const post = (path, body, token) => fetch(api + path, { method: "POST", headers: {
    Accept: "application/json, text/plain, */*", "Content-Type": "application/json",
    ...(token ? { Authorization: "Bearer " + token } : {}) }, body: JSON.stringify(body) }).then((r) => r.json());
  const registered = await post("/api/register", { email, password, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" });
  if (registered.success !== true) throw new Error("register: " + JSON.stringify(registered));
  const { token } = await post("/api/login", { email, password, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" });
  const userId = JSON.parse(atob(token.split(".")[1])).sub;
  const form = new FormData();
  form.append("image", new File([await (await fetch("/photo.png")).blob()], "sunset photo.png", { type: "image/png" }));
  form.append("userId", userId);
  const uploaded = await fetch(api + "/api/upload", { method: "POST", headers: { Authorization: "Bearer " + token }, body: form }).then((r) => r.json());
  const tags = uploaded.tags.join(", ");
  const { images } = await fetch(api + "/api/images", { headers: { Authorization: "Bearer " + token } }).then((r) => r.json());
  const img = document.createElement("img");
  img.src = images[0].data;
  document.body.append(img);
  await img.decode();
  const found = await post("/api/search", { query: "sun" }, token);
  const a = document.createElement("a");
  a.id = "download"; a.href = images[0].data; a.download = images[0].filename; a.textContent = "Download";
  document.body.append(a);
  return { userId, tags, count: images.length, naturalWidth: img.naturalWidth, filename: images[0].filename, searched: found.success };
};
</script>`;

const frontend = http
  .createServer((req, res) => {
    if (req.url === "/photo.png") return res.writeHead(200, { "Content-Type": "image/png" }).end(photo);
    res.writeHead(200, { "Content-Type": "text/html" }).end(page);
  })
  .listen(5173, "127.0.0.1");

let browser: Browser | undefined;
try {
  await server.ready();
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: true });
  const tab = await context.newPage();
  await tab.goto("http://localhost:5173/");
  const result = await tab.evaluate((api) => (globalThis as unknown as Gallery).run(api), server.base);
  if (!result.userId.startsWith("usr_")) throw new Error(`atob read no user id: ${JSON.stringify(result)}`);
  if (result.naturalWidth !== 320) throw new Error(`<img src=data> did not render: ${JSON.stringify(result)}`);
  if (!result.searched) throw new Error("search failed");
  const [download] = await Promise.all([tab.waitForEvent("download"), tab.click("#download")]);
  if (download.suggestedFilename() !== result.filename) {
    throw new Error(`the download is named ${download.suggestedFilename()}, not ${result.filename}`);
  }
  console.log(
    `The gallery works through /api/*: atob read ${result.userId}, the upload was tagged [${result.tags}], ` +
      `<img src=data> rendered at ${result.naturalWidth} px wide, and the download saved "${download.suggestedFilename()}".`,
  );
} finally {
  await browser?.close();
  frontend.close();
  server.stop();
}
