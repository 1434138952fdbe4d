import { route } from "#lib/http";

export const GET = route({ auth: "user" }, async ({ user }) => ({ json: user }));
