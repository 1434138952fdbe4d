// `npm run bench`: prints the figures as JSON, each with its baseline measured in the same run.
import os from "node:os";
import { env } from "../lib/env";
import { benchDatabase, tokenBench } from "../bench/token-bench";

const database = await benchDatabase(env().DATABASE_URL);
try {
  const tokens = await tokenBench(database.adminUrl);
  process.stdout.write(
    `${JSON.stringify({ machine: { cpus: os.cpus().length, node: process.version }, tokens }, null, 2)}\n`,
  );
} finally {
  await database.stop();
}
process.exit(0);
