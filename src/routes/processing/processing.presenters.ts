import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { SessionState } from "../../processing/session-types";
import type { AppEnv } from "../http/app-env";
import { signedFileUrl } from "../http/signed-file-url";
import type { SessionSchema } from "./processing.schemas";

/** A session as the API shows it; each finished item links to its converted file (a signed rendition URL). */
export async function presentSession(c: Context<AppEnv>, state: SessionState): Promise<z.infer<typeof SessionSchema>> {
  const items = await Promise.all(
    state.items.map(async (item) => ({
      imageId: item.imageId,
      status: item.status,
      error: item.error,
      rendition: item.rendition
        ? {
            url: (await signedFileUrl(c, { id: item.imageId, userId: state.userId }, state.output)).url,
            bytes: item.rendition.bytes,
            width: item.rendition.width,
            height: item.rendition.height,
            contentType: item.rendition.contentType,
          }
        : null,
    })),
  );
  return {
    id: state.id,
    status: state.status,
    output: state.output,
    items,
    progress: state.progress,
    createdAt: new Date(state.createdAt).toISOString(),
    updatedAt: new Date(state.updatedAt).toISOString(),
    version: state.version,
  };
}
