import { z } from "@hono/zod-openapi";
import { PASSWORD_MAX_CHARACTERS } from "../../auth/password-policy";
import { TURNSTILE_TOKEN_MAX_CHARS } from "../../auth/turnstile";

// The exact shapes the deployed frontend reads. Fields it never sent are ignored, as the original did.

const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }).max(254));

export const LegacyCredentialsSchema = z
  .object({
    email: Email,
    password: z.string().max(PASSWORD_MAX_CHARACTERS * 2),
    turnstileToken: z.string().min(1).max(TURNSTILE_TOKEN_MAX_CHARS).optional(),
  })
  .openapi("LegacyCredentials");

export const LegacyUploadSchema = z
  .object({
    image: z
      .instanceof(File, { error: "Send the image as a file in the multipart field `image`." })
      .openapi({ type: "string", format: "binary" }),
    userId: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "Ignored when it is the token's user; refused (403) otherwise." }),
  })
  .openapi("LegacyUpload");

export const LegacySearchSchema = z.object({ query: z.string().max(1024) }).openapi("LegacySearch");

const LegacyImageSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    data: z.url().openapi({
      description: "Absolute, signed, expiring link to the file: renders as `<img src>`, and downloads under its name.",
    }),
  })
  .openapi("LegacyImage");

export const LegacyRegisteredSchema = z
  .object({ success: z.literal(true), message: z.string() })
  .openapi("LegacyRegistered");
export const LegacyLoggedInSchema = z
  .object({
    success: z.literal(true),
    token: z.string().openapi({ description: "Send as `Authorization: Bearer <token>`; valid for one hour." }),
  })
  .openapi("LegacyLoggedIn");
export const LegacyUploadedSchema = z
  .object({ success: z.literal(true), tags: z.array(z.string()), image: LegacyImageSchema })
  .openapi("LegacyUploaded");
export const LegacyImagesSchema = z
  .object({ success: z.literal(true), images: z.array(LegacyImageSchema) })
  .openapi("LegacyImages");

export const LegacyErrorSchema = z
  .object({ success: z.literal(false), error: z.string().openapi({ example: "Please log in again." }) })
  .openapi("LegacyError");
