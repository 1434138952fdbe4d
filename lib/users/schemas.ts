import { z } from "zod";
import { UNKNOWN_FIELDS } from "#lib/validation";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "#lib/auth/password";

// Shared by the forms, the REST API and the CLI: one definition of a valid user.
export const emailSchema = z
  .email({ error: "must be an email address" })
  .max(254)
  .transform((value) => value.toLowerCase());

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const roleSchema = z.enum(["admin", "user"]);

export const createUserInput = z.strictObject({
  email: emailSchema,
  name: z.string().trim().max(120).optional(),
  password: passwordSchema,
  role: roleSchema.default("user"),
}, UNKNOWN_FIELDS);
export type CreateUserInput = z.input<typeof createUserInput>;

export const firstAdminInput = createUserInput.omit({ role: true }).extend({
  // Printed by `npm start` (lib/users/setup-code.ts): only whoever started the app can create its first admin.
  setupCode: z.string({ error: "is required: npm start printed it" }).trim().min(1, "is required: npm start printed it").max(40),
});

export const updateUserInput = z
  .strictObject({
    name: z.string().trim().max(120).optional(),
    role: roleSchema.optional(),
    enabled: z.boolean().optional(),
    password: passwordSchema.optional(),
  }, UNKNOWN_FIELDS)
  .refine((value) => Object.values(value).some((field) => field !== undefined), {
    error: "nothing to change",
  });
export type UpdateUserInput = z.infer<typeof updateUserInput>;

/** What the API and pages show of a user: never the password hash. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: "admin" | "user";
  enabled: boolean;
  createdAt: string;
}

export function toPublicUser(user: {
  id: string;
  email: string;
  name: string;
  role: "admin" | "user";
  enabled: boolean;
  createdAt: Date;
}): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    enabled: user.enabled,
    createdAt: user.createdAt.toISOString(),
  };
}
