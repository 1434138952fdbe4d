"use client";

import { useState } from "react";
import { ApiError, describeIssue, type FieldLabel } from "./api";

/**
 * The one way a form or button calls the API: `run` marks it busy, clears the
 * last errors, and shows a failure in words: a refused field's message next
 * to that field (`fieldErrors`, by the first part of its path) when the form
 * names it in `fields`, everything else in `error`. Busy ends either way.
 */
export function useApiAction(fields: Record<string, FieldLabel> = {}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  async function run(action: () => Promise<void>, fallback: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      await action();
      return true;
    } catch (caught) {
      if (caught instanceof ApiError && caught.issues.length > 0) {
        const byField: Record<string, string> = {};
        const elsewhere: string[] = [];
        for (const issue of caught.issues) {
          const field = issue.path.split(".")[0] ?? "";
          const words = describeIssue(issue, fields);
          if (field in fields) byField[field] = byField[field] ? `${byField[field]} ${words}` : words;
          else elsewhere.push(words);
        }
        setFieldErrors(byField);
        setError(elsewhere.length > 0 ? elsewhere.join(" ") : "Check the fields marked below.");
      } else {
        setError(caught instanceof Error ? caught.message : fallback);
      }
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, fieldErrors, run };
}
