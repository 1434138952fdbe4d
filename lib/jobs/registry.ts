import { housekeepingJob } from "./housekeeping";

/** Every job the worker runs. */
export const jobs = [housekeepingJob];
