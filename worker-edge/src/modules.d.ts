declare module '*.wasm' {
  const wasmModule: WebAssembly.Module;
  export default wasmModule;
}
declare module '*.min.js.txt' {
  const text: string;
  export default text;
}
