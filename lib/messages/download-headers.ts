/**
 * Headers for serving stored mail content from our origin: always a download,
 * never sniffed, and sandboxed, so an HTML attachment cannot run script with
 * the user's session.
 */
export function downloadHeaders(contentType: string, filename: string): Record<string, string> {
  const safeName = filename.replace(/[^\w.\- ]+/g, "_").slice(0, 150) || "download";
  return {
    "content-type": contentType,
    "content-disposition": `attachment; filename="${safeName}"; filename*=UTF-8''${encodeURIComponent(filename.slice(0, 150))}`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "cache-control": "private, no-store",
  };
}
