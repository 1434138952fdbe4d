import { AppError } from "#lib/errors";
import { CallbackError } from "#lib/oauth/callback-error";

/** The AppError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

/** The code of a refused callback (CallbackError) or request (AppError), or "no error". */
export async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    if (error instanceof CallbackError || error instanceof AppError) return error.code;
    throw error;
  }
}
