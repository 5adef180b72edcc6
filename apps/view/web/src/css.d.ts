// esbuild bundles imported CSS into app.css; TypeScript only needs to know such imports exist.
declare module "*.css";
