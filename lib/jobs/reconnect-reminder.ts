import { db } from "#lib/db";
import { emailOwnerToReconnect } from "#lib/outbound/email-reconnect-reminder";
import { reconnectReminderJob } from "#lib/queue/contracts";
import { handleJob } from "./job-handler";

export const reconnectReminder = handleJob(reconnectReminderJob, async (reminder) => {
  await emailOwnerToReconnect(db(), reminder);
});
