import { onShutdownSignal, runMain } from "../lib/runtime/run-main";

// `npm run worker`: one worker process. Run as many as you like, on as many
// machines as you like, against the same DATABASE_URL.
runMain("Connected Apps worker", async () => {
  const { bootRuntime } = await import("../lib/runtime/boot");
  const { logger } = await import("../lib/logger");
  const { startJobRunner } = await import("../lib/jobs/start-job-runner");
  const runtime = await bootRuntime((message) => logger.info(message));
  const boss = await startJobRunner(runtime.config.DATABASE_URL!);
  logger.info("worker started");
  onShutdownSignal(async () => {
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await runtime.stop();
    logger.info("worker stopped");
    return 0;
  });
});
