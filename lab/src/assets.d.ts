// Vite's `?url` imports: the built URL of a file served beside the page.
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
