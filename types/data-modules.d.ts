/** config/*.yml are bundled as parsed data (scripts/esbuild-plugins.cjs): validate before use. */
declare module '*.yml' {
  const data: unknown;
  export default data;
}

declare module 'dynalite';

declare module 'yauzl';
