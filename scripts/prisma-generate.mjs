// Runs `prisma generate` offline. Prisma's CLI starts its native schema
// engine for every command and would download it from outside the npm
// registry; generate only needs the variable to name an existing file
// (docs/decisions/0002-offline-migrations.md).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const result = spawnSync("npx", ["prisma", "generate"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: fileURLToPath(import.meta.url),
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
