// The Images binding (`env.IMAGES`) backed by the local image engine (image-engine/, `npm start` there), for
// `npm start` and fidelity tests: same interface, same chain semantics, same errors as Cloudflare's binding.
//
// It speaks the engine's HTTP API on loopback with the request format workerd's own binding sends to Cloudflare
// (multipart: image, draw_image…, transforms JSON with image indexes, output_format, output_quality, background)
// and raises errors the way that binding does: an error answer carries `cf-images-binding: err=<code>` and
// becomes an Error with a numeric `code` (9412 not an image, 9413 too large, 9401 bad options, …); any other
// error status becomes code 9523. An engine that cannot be reached is a plain Error without `code`, so callers
// treat it as the service being unavailable rather than as a bad image.
//
// Self-contained on purpose (no imports): the ImagesBinding types are the ambient ones of
// worker-configuration.d.ts (`wrangler types`).

type EngineFetcher = { fetch: typeof fetch };

/** Cloudflare's ImagesError shape: `.code` is the Images error code. */
class LocalImagesError extends Error implements ImagesError {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.name = "ImagesError";
    this.code = code;
  }
}

/** One engine endpoint; knows how to turn its answers into results or errors. */
class Engine {
  readonly #baseUrl: string;
  readonly #fetcher: EngineFetcher;

  constructor(baseUrl: string, fetcher: EngineFetcher) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#fetcher = fetcher;
  }

  async post(operation: "INFO" | "TRANSFORM", path: string, body: FormData): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetcher.fetch(`${this.#baseUrl}${path}`, { method: "POST", body });
    } catch (error) {
      throw new Error(
        `The local image engine at ${this.#baseUrl} is unreachable (${error instanceof Error ? error.message : String(error)}); ` +
          "start it with `npm start` in image-engine/.",
        { cause: error },
      );
    }
    const match = /err=(\d+)/.exec(response.headers.get("cf-images-binding") ?? "");
    if (match?.[1] !== undefined) {
      const code = Number.parseInt(match[1], 10);
      throw new LocalImagesError(`IMAGES_${operation}_ERROR ${code}: ${await errorMessage(response)}`, code);
    }
    if (response.status > 399) {
      throw new LocalImagesError(`Unexpected error response ${response.status}: ${await errorMessage(response)}`, 9523);
    }
    return response;
  }
}

/** What a chain records: transforms, and images drawn with their own chains. */
type Step = { transform: ImageTransform } | { draw: LocalTransformer; options: ImageDrawOptions };

class LocalTransformer implements ImageTransformer {
  readonly #engine: Engine;
  readonly #stream: ReadableStream<Uint8Array>;
  readonly #encoding: "base64" | undefined;
  readonly #steps: Step[] = [];
  #consumed = false;

  constructor(engine: Engine, stream: ReadableStream<Uint8Array>, encoding: "base64" | undefined) {
    this.#engine = engine;
    this.#stream = stream;
    this.#encoding = encoding;
  }

  transform(transform: ImageTransform): ImageTransformer {
    this.#steps.push({ transform });
    return this;
  }

  draw(image: ReadableStream<Uint8Array> | ImageTransformer, options: ImageDrawOptions = {}): ImageTransformer {
    let child: LocalTransformer;
    if (image instanceof LocalTransformer) {
      image.#consume();
      child = image;
    } else if (image instanceof ReadableStream) {
      child = new LocalTransformer(this.#engine, image, undefined);
    } else {
      throw new TypeError("draw() takes a ReadableStream or a transformer from the same local Images binding");
    }
    this.#steps.push({ draw: child, options });
    return this;
  }

  async output(options: ImageOutputOptions): Promise<ImageTransformationResult> {
    this.#consume();
    const form = new FormData();
    form.append("image", await readBlob(this.#stream, this.#encoding));

    // Flatten the tree the way workerd's binding does: image 0 is the canvas, each drawn image gets the next
    // index (a draw_image part), its own transforms are listed before the command that draws it.
    const transforms: Record<string, unknown>[] = [];
    let nextIndex = 1;
    const walk = async (target: number, steps: Step[]): Promise<void> => {
      for (const step of steps) {
        if ("transform" in step) {
          transforms.push({ imageIndex: target, ...step.transform });
          continue;
        }
        const index = nextIndex++;
        form.append("draw_image", await readBlob(step.draw.#stream, step.draw.#encoding));
        await walk(index, step.draw.#steps);
        transforms.push({ drawImageIndex: index, targetImageIndex: target, ...step.options });
      }
    };
    await walk(0, this.#steps);

    form.append("transforms", JSON.stringify(transforms));
    form.append("output_format", options.format);
    if (options.quality !== undefined) form.append("output_quality", String(options.quality));
    if (options.background !== undefined) form.append("background", options.background);
    if (options.anim !== undefined) form.append("anim", String(options.anim));

    return new LocalTransformationResult(await this.#engine.post("TRANSFORM", "/transform", form));
  }

  #consume(): void {
    if (this.#consumed) {
      throw new LocalImagesError(
        "IMAGES_TRANSFORM_ERROR 9525: ImageTransformer consumed; you may only call .output() or draw a transformer once",
        9525,
      );
    }
    this.#consumed = true;
  }
}

class LocalTransformationResult implements ImageTransformationResult {
  readonly #response: Response;

  constructor(response: Response) {
    this.#response = response;
  }

  contentType(): string {
    const contentType = this.#response.headers.get("content-type");
    if (!contentType) {
      throw new LocalImagesError("IMAGES_TRANSFORM_ERROR 9523: No content-type on bindings response", 9523);
    }
    return contentType;
  }

  /** The bytes, once (a stream, as from Cloudflare's binding). */
  image(options?: ImageTransformationOutputOptions): ReadableStream<Uint8Array> {
    const stream: ReadableStream<Uint8Array> = this.#response.body ?? new Blob().stream();
    return options?.encoding === "base64" ? stream.pipeThrough(base64Encoder()) : stream;
  }

  response(): Response {
    return new Response(this.image(), { headers: { "content-type": this.contentType() } });
  }
}

/** Cloudflare Images hosted storage has no local stand-in: every call fails loudly. */
function notSupportedLocally(): never {
  throw new Error("Cloudflare Images hosted storage (env.IMAGES.hosted) is not supported by the local image engine.");
}

const hostedNotSupported: HostedImagesBinding = {
  image: () => ({
    details: async () => notSupportedLocally(),
    bytes: async () => notSupportedLocally(),
    update: async () => notSupportedLocally(),
    delete: async () => notSupportedLocally(),
  }),
  upload: async () => notSupportedLocally(),
  list: async () => notSupportedLocally(),
};

/**
 * An `ImagesBinding` that sends its work to the local image engine at `baseUrl` (e.g. "http://127.0.0.1:8789").
 * `fetcher` defaults to the global fetch, looked up at each call.
 */
export function localImagesBinding(baseUrl: string, fetcher?: { fetch: typeof fetch }): ImagesBinding {
  const engine = new Engine(baseUrl, fetcher ?? { fetch: (...args: Parameters<typeof fetch>) => fetch(...args) });
  return {
    async info(stream: ReadableStream<Uint8Array>, options?: ImageInputOptions): Promise<ImageInfoResponse> {
      const form = new FormData();
      form.append("image", await readBlob(stream, options?.encoding));
      const response = await engine.post("INFO", "/info", form);
      const raw = (await response.json()) as {
        format: string;
        fileSize?: number;
        file_size?: number;
        width?: number;
        height?: number;
      };
      if (raw.format === "image/svg+xml") return { format: "image/svg+xml" };
      return {
        format: raw.format,
        fileSize: raw.fileSize ?? raw.file_size ?? 0,
        width: raw.width ?? 0,
        height: raw.height ?? 0,
      };
    },
    input(stream: ReadableStream<Uint8Array>, options?: ImageInputOptions): ImageTransformer {
      return new LocalTransformer(engine, stream, options?.encoding);
    },
    get hosted(): HostedImagesBinding {
      return hostedNotSupported;
    },
  };
}

/** The whole stream as a Blob (the binding buffers its input too), base64-decoded when asked. */
async function readBlob(stream: ReadableStream<Uint8Array>, encoding: "base64" | undefined): Promise<Blob> {
  if (encoding !== "base64") return new Response(stream).blob();
  const text = (await new Response(stream).text()).replace(/\s+/g, "");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes]);
}

/** The engine's `{ code, message }` answer → its message (or the raw text). */
async function errorMessage(response: Response): Promise<string> {
  const text = (await response.text()).trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: use the text as it is
  }
  return text;
}

/** Bytes → base64 text bytes, across chunk boundaries (3 input bytes per 4 output characters). */
function base64Encoder(): TransformStream<Uint8Array, Uint8Array> {
  let carry = new Uint8Array(0);
  const encode = (bytes: Uint8Array): Uint8Array => {
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] ?? 0);
    return new TextEncoder().encode(btoa(binary));
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const joined = new Uint8Array(carry.length + chunk.length);
      joined.set(carry);
      joined.set(chunk, carry.length);
      const whole = joined.length - (joined.length % 3);
      carry = joined.slice(whole);
      if (whole > 0) controller.enqueue(encode(joined.subarray(0, whole)));
    },
    flush(controller) {
      if (carry.length > 0) controller.enqueue(encode(carry));
    },
  });
}
