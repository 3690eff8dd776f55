import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { signFileUrl } from "../../images/files/signed-url";
import type { SessionState } from "../../processing/session-types";
import type { AppEnv } from "../http/app-env";
import { publicOrigin } from "../http/public-origin";
import type { SessionSchema } from "./processing.schemas";

/** A session as the API shows it; each finished item links to its converted file (a signed rendition URL). */
export async function presentSession(c: Context<AppEnv>, state: SessionState): Promise<z.infer<typeof SessionSchema>> {
  const { config } = c.var;
  const origin = publicOrigin(c);
  const items = await Promise.all(
    state.items.map(async (item) => ({
      imageId: item.imageId,
      status: item.status,
      error: item.error,
      rendition: item.rendition
        ? {
            url:
              origin +
              (
                await signFileUrl(
                  config.URL_SIGNING_SECRET,
                  item.imageId,
                  state.userId,
                  config.SIGNED_URL_TTL_SECONDS,
                  Date.now(),
                  state.output,
                )
              ).path,
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
