// Tailwind CSS (docs/decisions/0013-tailwind-and-radix.md) through PostCSS, as Next.js builds CSS.
export default { plugins: { "@tailwindcss/postcss": {} } };
