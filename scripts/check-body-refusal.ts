// A body refused mid-stream must not hurt the next client (issue 16, item 9). Against a running `npm start`:
//
//   npx tsx scripts/check-body-refusal.ts            # API=http://127.0.0.1:8787 ROUNDS=8 by default
//
// Each round, one client uploads an image larger than MAX_UPLOAD_BYTES with a chunked body (no Content-Length, so
// only the streaming limit can refuse it) and must get 413; right after, another client, on its own connection,
// signs in and uploads a small image, and must get its normal answers (JSON, 200 and 201), never wrangler's
// plain-text 503 "Your worker restarted mid-request". Exits 1 if any round fails. Signs up with the token of
// Turnstile's dummy site key, which npm start's siteverify stand-in accepts (or TURNSTILE=off).
import http from "node:http";

const api = new URL(process.env.API ?? "http://127.0.0.1:8787");
const rounds = Number(process.env.ROUNDS ?? 8);
const oversize = Number(process.env.OVERSIZE_BYTES ?? 24 * 1024 * 1024);
const password = "correct horse battery staple";
/** A 1×1 PNG, with random bytes after IEND so that every upload is new. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a1f3c1d80000000049454e44ae426082",
  "hex",
);

async function json(response: Response) {
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  if (!/json/.test(type)) throw new Error(`${response.status} ${type}: ${text.slice(0, 120)}`);
  return JSON.parse(text);
}

async function register(): Promise<{ email: string; token: string }> {
  const email = `poison-${crypto.randomUUID()}@example.com`;
  const response = await fetch(new URL("/v1/auth/register", api), {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": randomIp() },
    // The token Turnstile's dummy site key hands a browser: npm start's siteverify stand-in accepts it.
    body: JSON.stringify({ email, password, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" }),
  });
  const body = await json(response);
  if (response.status !== 201) throw new Error(`register: ${response.status} ${JSON.stringify(body)}`);
  return { email, token: body.tokens.accessToken };
}

function randomIp() {
  return `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
}

/** The oversized chunked upload: writes until the server answers (or the body is all sent); resolves with the status. */
function poison(token: string): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const boundary = "poisonboundary";
    const request = http.request(new URL("/v1/images", api), {
      method: "POST",
      agent: new http.Agent({ keepAlive: false }),
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "transfer-encoding": "chunked",
      },
    });
    let answered = false;
    request.setTimeout(30_000, () => request.destroy(new Error("no answer within 30 s")));
    request.on("response", (response) => {
      answered = true;
      response.resume();
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"] ?? "") }),
      );
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    request.write(PNG);
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    const pump = () => {
      while (!answered && sent < oversize) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once("drain", pump);
      }
      if (!answered) request.end(`\r\n--${boundary}--\r\n`);
      else request.destroy(); // a client that got its 413 stops sending
    };
    pump();
  });
}

/** Another client right after: sign in, then a small upload, each on a fresh connection. */
async function neighbour(email: string): Promise<string[]> {
  return neighbourSteps(email).catch((error: Error) => [`no answer: ${error.message}`]);
}

async function neighbourSteps(email: string): Promise<string[]> {
  const problems: string[] = [];
  const login = await fetch(new URL("/v1/auth/login", api), {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": randomIp(), connection: "close" },
    body: JSON.stringify({ email, password, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await json(login).catch((error: Error) => {
    problems.push(`login: ${error.message}`);
    return null;
  });
  if (!body) return problems;
  if (login.status !== 200) problems.push(`login: ${login.status}`);
  const form = new FormData();
  form.append("file", new File([PNG, crypto.getRandomValues(new Uint8Array(16))], "small.png"));
  const upload = await fetch(new URL("/v1/images", api), {
    method: "POST",
    headers: { authorization: `Bearer ${body.tokens.accessToken}`, connection: "close" },
    body: form,
    signal: AbortSignal.timeout(30_000),
  });
  await json(upload).then(
    () => upload.status === 201 || problems.push(`upload: ${upload.status}`),
    (error: Error) => problems.push(`upload: ${error.message}`),
  );
  return problems;
}

const attacker = await register();
const other = await register();
let failures = 0;
/** A promise that gives up after `ms` (a request that never gets an answer is a failure too, not a hang). */
function within<T>(ms: number, promise: Promise<T>, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

for (let round = 1; round <= rounds; round++) {
  const refused = await within(
    60_000,
    poison(attacker.token).catch((error: Error) => ({ status: 0, type: error.message })),
    { status: 0, type: "no answer within 60 s" },
  );
  const problems = await within(60_000, neighbour(other.email), ["no answer within 60 s"]);
  if (refused.status !== 413) problems.unshift(`oversized upload: ${refused.status} ${refused.type}`);
  if (problems.length > 0) failures++;
  console.log(
    `round ${round}: oversized → ${refused.status}; next client → ${problems.length ? problems.join("; ") : "ok"}`,
  );
}
console.log(`${rounds - failures} of ${rounds} rounds clean`);
process.exit(failures === 0 ? 0 : 1);
