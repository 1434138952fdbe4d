/**
 * An attachment mark drawn in SVG, so it shows on every system (an emoji 📎
 * is a box on some). With a label it is announced ("2 files"); without one
 * it is decoration next to words that say it already.
 */
export function PaperclipIcon({ label }: { label?: string }) {
  const naming = label ? { role: "img", "aria-label": label } : { "aria-hidden": true };
  return (
    <svg {...naming} viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" className="inline-block shrink-0 align-[-3px]">
      {label && <title>{label}</title>}
      <path d="M21.4 11.1 12.2 20.3a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
    </svg>
  );
}
