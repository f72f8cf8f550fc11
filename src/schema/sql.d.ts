// Bun's text import, `import text from "x.sql" with { type: "text" }`, gives the file's contents.
declare module "*.sql" {
  const text: string;
  export default text;
}
