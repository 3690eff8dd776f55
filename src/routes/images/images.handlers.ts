import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authenticate } from "../../auth/require-auth";
import { parseRange } from "../../images/byte-range";
import { contentDisposition, safeFilename } from "../../images/filename";
import {
  findImage,
  findImageBySha,
  findImagesByIds,
  type ImageRow,
  insertImageStatement,
  listImages as listImageRows,
  tagWriteStatements,
  toImageResponses,
} from "../../images/image-repo";
import { decodeListCursor, encodeListCursor } from "../../images/list-cursor";
import { searchImages as runSearch } from "../../images/search";
import { reindexImageStatements, unindexImageStatements } from "../../images/search-index";
import { tagWithConfiguredTagger } from "../../images/select-tagger";
import { verifyFileSignature } from "../../images/signed-url";
import { sniffImage } from "../../images/sniff";
import { deleteObjectIfUnreferenced, objectKey, putImageObject } from "../../images/storage";
import { tooLarge } from "../../images/upload-limits";
import { sha256Hex } from "../../lib/encoding";
import type { AppEnv } from "../../lib/env";
import { newId } from "../../lib/ids";
import { ApiError } from "../../lib/problem";
import type {
  deleteImage,
  getImage,
  getImageFile,
  listImages,
  patchImageTags,
  retagImage,
  searchImages,
  uploadImage,
} from "./images.routes";

export const uploadImageHandler: RouteHandler<typeof uploadImage, AppEnv> = async (c) => {
  const { config } = c.var;
  const { userId } = c.var.auth;
  const db = c.env.DB;
  const { file } = c.req.valid("form");
  if (file.size > config.MAX_UPLOAD_BYTES) throw tooLarge(config.MAX_UPLOAD_BYTES);
  const bytes = new Uint8Array(await file.arrayBuffer());

  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) {
    throw new ApiError(
      sniffed.reason === "unsupported_type" ? "unsupported_media_type" : "unprocessable",
      sniffed.detail,
    );
  }
  const { image } = sniffed;
  if (image.width * image.height > config.MAX_IMAGE_PIXELS) {
    throw new ApiError(
      "unprocessable",
      `${image.width}×${image.height} exceeds the limit of ${config.MAX_IMAGE_PIXELS} pixels.`,
    );
  }

  const sha256 = await sha256Hex(bytes);
  const existing = await findImageBySha(db, userId, sha256);
  if (existing) return c.json(await renderOne(db, existing, config), 200);

  const tagging = await tagWithConfiguredTagger(c.env, config, bytes);
  const row = {
    id: newId("img"),
    user_id: userId,
    r2_key: objectKey(userId, sha256),
    filename: safeFilename(file.name, image.extension),
    content_type: image.contentType,
    bytes: bytes.length,
    width: image.width,
    height: image.height,
    sha256,
    tag_status: tagging.status,
    tag_error: tagging.status === "failed" ? tagging.error : null,
    created_at: Date.now(),
  };

  await putImageObject(c.env.BUCKET, row.r2_key, bytes, sha256, row.content_type);
  let seq: number;
  try {
    const [inserted] = await db.batch<{ seq: number }>([
      insertImageStatement(db, row),
      ...tagWriteStatements(db, row.id, userId, tagging.status === "tagged" ? tagging.tags : []),
    ]);
    seq = inserted!.results[0]!.seq;
  } catch (error) {
    // The same bytes uploaded concurrently: that request won, and its row owns the (identical) object.
    const winner = await findImageBySha(db, userId, sha256);
    if (winner) return c.json(await renderOne(db, winner, config), 200);
    await deleteObjectIfUnreferenced(db, c.env.BUCKET, userId, row.r2_key);
    throw error;
  }
  return c.json(await renderOne(db, { ...row, seq }, config), 201);
};

export const listImagesHandler: RouteHandler<typeof listImages, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const { userId } = c.var.auth;
  const before = cursor === undefined ? null : decodeListCursor(cursor);
  if (before === undefined) throw invalidCursor();
  const rows = await listImageRows(c.env.DB, userId, limit + 1, before);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      items: await toImageResponses(c.env.DB, userId, page, c.var.config),
      nextCursor: rows.length > limit && last ? encodeListCursor(last.seq) : null,
    },
    200,
  );
};

export const searchImagesHandler: RouteHandler<typeof searchImages, AppEnv> = async (c) => {
  const { q, match, limit, cursor } = c.req.valid("query");
  const { userId } = c.var.auth;
  const db = c.env.DB;
  const result = await runSearch(db, { userId, q, match, limit, cursor: cursor ?? null });
  if ("error" in result) {
    throw new ApiError("validation_failed", result.detail, {
      errors: [{ path: result.error === "invalid_cursor" ? "query.cursor" : "query.q", message: result.detail }],
    });
  }
  const rows = new Map(
    (
      await findImagesByIds(
        db,
        userId,
        result.hits.map((hit) => hit.id),
      )
    ).map((row) => [row.id, row]),
  );
  const ordered = result.hits.flatMap((hit) => {
    const row = rows.get(hit.id);
    return row ? [{ row, score: hit.score }] : [];
  });
  const images = await toImageResponses(
    db,
    userId,
    ordered.map(({ row }) => row),
    c.var.config,
  );
  c.header("Server-Timing", `db;dur=${result.dbMs.toFixed(2)}`);
  return c.json(
    { items: images.map((image, i) => ({ ...image, score: ordered[i]!.score })), nextCursor: result.nextCursor },
    200,
  );
};

export const getImageHandler: RouteHandler<typeof getImage, AppEnv> = async (c) => {
  const row = await requireImage(c.env.DB, c.var.auth.userId, c.req.valid("param").id);
  return c.json(await renderOne(c.env.DB, row, c.var.config), 200);
};

export const getImageFileHandler: RouteHandler<typeof getImageFile, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const query = c.req.valid("query");
  const userId = await fileCaller(c, id, query);
  const row = await requireImage(c.env.DB, userId, id);

  const etag = `"${row.sha256}"`;
  const headers = new Headers({
    ETag: etag,
    "Cache-Control": "private, max-age=3600",
    "Accept-Ranges": "bytes",
    "Content-Disposition": contentDisposition(row.filename),
  });
  if (matchesEtag(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers });

  const range = parseRange(c.req.header("range"), row.bytes);
  if (range.kind === "unsatisfiable") {
    throw new ApiError("range_not_satisfiable", `The file has ${row.bytes} bytes.`, {
      headers: { "Content-Range": `bytes */${row.bytes}` },
    });
  }
  const object = await c.env.BUCKET.get(
    row.r2_key,
    range.kind === "range" ? { range: { offset: range.offset, length: range.length } } : {},
  );
  if (!object) {
    console.error("image row without its object", { imageId: row.id, key: row.r2_key });
    throw new ApiError("not_found", "No image with this id.");
  }
  headers.set("Content-Type", row.content_type);
  if (range.kind === "range") {
    headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${row.bytes}`);
    headers.set("Content-Length", String(range.length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(row.bytes));
  return new Response(object.body, { status: 200, headers });
};

export const patchImageTagsHandler: RouteHandler<typeof patchImageTags, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const { userId } = c.var.auth;
  const db = c.env.DB;
  const add = unique(body.add);
  const remove = unique(body.remove);
  const both = add.filter((label) => remove.includes(label));
  if (both.length > 0) {
    throw new ApiError("validation_failed", `Cannot both add and remove: ${both.join(", ")}.`, {
      errors: both.map((label) => ({ path: "body.remove", message: `"${label}" is also in add` })),
    });
  }
  const row = await requireImage(db, userId, id);
  await db.batch([
    db
      .prepare(
        `INSERT INTO image_tags (image_id, user_id, label, score, source)
         SELECT ?1, ?2, value, 1, 'user' FROM json_each(?3) WHERE EXISTS (SELECT 1 FROM images WHERE id = ?1 AND user_id = ?2)
         ON CONFLICT (image_id, label) DO UPDATE SET source = 'user', score = 1, rejected = 0`,
      )
      .bind(row.id, userId, JSON.stringify(add)),
    // Removal keeps the row as a rejection (whoever added the label), so the tagger cannot bring it back.
    db
      .prepare(
        `UPDATE image_tags SET rejected = 1 WHERE image_id = ?1 AND user_id = ?2 AND label IN (SELECT value FROM json_each(?3))`,
      )
      .bind(row.id, userId, JSON.stringify(remove)),
    ...reindexImageStatements(db, row.id),
  ]);
  return c.json(await renderOne(db, row, c.var.config), 200);
};

export const retagImageHandler: RouteHandler<typeof retagImage, AppEnv> = async (c) => {
  const { userId } = c.var.auth;
  const { config } = c.var;
  const db = c.env.DB;
  const row = await requireImage(db, userId, c.req.valid("param").id);
  const object = await c.env.BUCKET.get(row.r2_key);
  if (!object) throw new ApiError("not_found", "No image with this id.");
  const tagging = await tagWithConfiguredTagger(c.env, config, new Uint8Array(await object.arrayBuffer()));

  const setStatus = db
    .prepare("UPDATE images SET tag_status = ?3, tag_error = ?4 WHERE id = ?1 AND user_id = ?2")
    .bind(row.id, userId, tagging.status, tagging.status === "failed" ? tagging.error : null);
  if (tagging.status === "failed") {
    await setStatus.run(); // the previous tags stay until a retag succeeds
  } else {
    await db.batch([
      // Rejected AI tags stay (as rejections); user tags are never touched by the tagger.
      db
        .prepare("DELETE FROM image_tags WHERE image_id = ?1 AND user_id = ?2 AND source = 'ai' AND rejected = 0")
        .bind(row.id, userId),
      setStatus,
      ...tagWriteStatements(db, row.id, userId, tagging.tags),
    ]);
  }
  // Read back rather than patch `row`: an image deleted while it was being tagged is a 404, not a ghost.
  return c.json(await renderOne(db, await requireImage(db, userId, row.id), config), 200);
};

export const deleteImageHandler: RouteHandler<typeof deleteImage, AppEnv> = async (c) => {
  const { userId } = c.var.auth;
  const db = c.env.DB;
  const row = await requireImage(db, userId, c.req.valid("param").id);
  await db.batch([
    ...unindexImageStatements(db, row.id),
    db.prepare("DELETE FROM image_tags WHERE image_id = ?1 AND user_id = ?2").bind(row.id, userId),
    db.prepare("DELETE FROM images WHERE id = ?1 AND user_id = ?2").bind(row.id, userId),
  ]);
  // After the rows: if this fails the object is an orphan, and the scheduled sweep removes it.
  await deleteObjectIfUnreferenced(db, c.env.BUCKET, userId, row.r2_key);
  return c.body(null, 204);
};

async function requireImage(db: D1Database, userId: string, id: string): Promise<ImageRow> {
  const row = await findImage(db, userId, id);
  // Someone else's image is indistinguishable from a missing one.
  if (!row) throw new ApiError("not_found", "No image with this id.");
  return row;
}

async function renderOne(db: D1Database, row: ImageRow, config: AppEnv["Variables"]["config"]) {
  const [image] = await toImageResponses(db, row.user_id, [row], config);
  return image!;
}

/** The file route accepts a bearer token or the signature from the image's `url`. */
async function fileCaller(c: Context<AppEnv>, imageId: string, query: { uid?: string; exp?: string; sig?: string }) {
  if (c.req.header("authorization")) return (await authenticate(c)).userId;
  if (!query.sig) throw new ApiError("unauthorized", "Use the image's signed `url`, or send a bearer token.");
  const check = await verifyFileSignature(c.var.config.URL_SIGNING_SECRET, imageId, query);
  if (!check.ok) {
    throw new ApiError(
      "forbidden",
      check.reason === "expired"
        ? "This link has expired; fetch the image again for a fresh url."
        : "This link is not valid.",
    );
  }
  return check.userId;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const value = candidate.trim();
    return value === "*" || value === etag || value === `W/${etag}`;
  });
}

function unique(labels: string[]): string[] {
  return [...new Set(labels.filter(Boolean))];
}

function invalidCursor(): ApiError {
  return new ApiError("validation_failed", "The cursor is not valid; start again without one.", {
    errors: [{ path: "query.cursor", message: "Invalid cursor" }],
  });
}
