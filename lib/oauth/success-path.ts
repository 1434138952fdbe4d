/** Where the browser goes after a connection when no (valid) success path was given (a local path: isLocalPath). */
export const DEFAULT_SUCCESS_PATH = "/connections";
