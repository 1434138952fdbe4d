import { onShutdownSignal, runMain } from "#lib/runtime/run-main";

// `npm run worker`: one worker process. Run as many as you like, on as many
// machines as you like, against the same DATABASE_URL: they share the mail
// accounts through leases and the short jobs through pg-boss.
runMain("Connected Apps worker", async () => {
  const { bootRuntime } = await import("#lib/runtime/boot");
  const { logger } = await import("#lib/logger");
  const { db } = await import("#lib/db");
  const { startJobRunner } = await import("#lib/jobs/start-job-runner");
  const { MailWorker } = await import("#lib/mail/mail-worker");
  const { stopJobSender } = await import("#lib/queue/enqueue-job");
  const runtime = await bootRuntime((message) => logger.info(message));
  const boss = await startJobRunner(runtime.config.DATABASE_URL!);
  const mail = new MailWorker(db(), runtime.config.DATABASE_URL!);
  await mail.start();
  logger.info({ workerId: mail.id }, "worker started");
  onShutdownSignal(async () => {
    await mail.stop();
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await stopJobSender();
    await runtime.stop();
    logger.info("worker stopped");
    return 0;
  });
});
