import { z } from "@hono/zod-openapi";
import { PASSWORD_MAX_CHARACTERS, PASSWORD_MIN_CHARACTERS } from "../../auth/password-policy";
import { TURNSTILE_TOKEN_MAX_CHARS } from "../../auth/turnstile";

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "usr_3kTMd9w2XcQmWq0bR1yZ7A" }),
    email: z.email().openapi({ example: "ada@example.com" }),
    createdAt: z.iso.datetime().openapi({ example: "2026-11-25T12:00:00.000Z" }),
  })
  .openapi("User");

export const TokensSchema = z
  .object({
    tokenType: z.literal("Bearer"),
    accessToken: z.string().openapi({ description: "JWT (HS256), sent as `Authorization: Bearer <accessToken>`." }),
    expiresIn: z.number().int().openapi({ description: "Seconds until the access token expires.", example: 900 }),
    refreshToken: z.string().openapi({
      description:
        "Opaque, spent by its first use at /v1/auth/refresh (reused within 10 s: the same successor; later: the session is revoked).",
    }),
    refreshTokenExpiresAt: z.iso
      .datetime()
      .openapi({ description: "End of the session: refreshing does not extend it." }),
  })
  .openapi("Tokens");

const DeviceTokenSchema = z
  .string()
  .max(512)
  .openapi({
    description:
      "Marks this device as one that signed in successfully. Keep it (it lasts a year) and send it with later " +
      "logins: failed attempts on the account from elsewhere then never lock this device out.",
  });

export const AuthResultSchema = z
  .object({ user: UserSchema, tokens: TokensSchema, deviceToken: DeviceTokenSchema })
  .openapi("AuthResult");

const TurnstileTokenSchema = z
  .string()
  .min(1)
  .max(TURNSTILE_TOKEN_MAX_CHARS)
  .optional()
  .openapi({
    description:
      "The token of a Cloudflare Turnstile challenge rendered with the site key from GET /v1/auth/config. Required " +
      "whenever that says `turnstile.enabled`; single use, valid for 300 seconds.",
    example: "XXXX.DUMMY.TOKEN.XXXX",
  });

const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }).max(254))
  .openapi({ example: "ada@example.com", description: "Trimmed and compared case-insensitively." });

export const RegisterBodySchema = z
  .strictObject({
    email: EmailSchema,
    password: z.string().openapi({
      description: `At least ${PASSWORD_MIN_CHARACTERS} characters (any Unicode, up to ${PASSWORD_MAX_CHARACTERS}); the most common passwords are refused. No composition rules.`,
      example: "correct horse battery staple",
    }),
    turnstileToken: TurnstileTokenSchema,
  })
  .openapi("RegisterRequest");

export const LoginBodySchema = z
  .strictObject({
    email: EmailSchema,
    password: z.string().max(PASSWORD_MAX_CHARACTERS).openapi({ example: "correct horse battery staple" }),
    turnstileToken: TurnstileTokenSchema,
    deviceToken: DeviceTokenSchema.optional(),
  })
  .openapi("LoginRequest");

export const RefreshBodySchema = z
  .strictObject({
    refreshToken: z.string().min(1).max(200).openapi({ example: "n0Tq3m2c9h1G8v5yUeWkR4aXzPbL7sJdQfY6tC0iM2o" }),
  })
  .openapi("RefreshRequest");

export const AuthConfigSchema = z
  .object({
    turnstile: z.object({
      enabled: z.boolean().openapi({ description: "Whether register and login need a `turnstileToken`." }),
      siteKey: z
        .string()
        .nullable()
        .openapi({ description: "Render the Turnstile widget with this key.", example: "1x00000000000000000000AA" }),
    }),
  })
  .openapi("AuthConfig");
