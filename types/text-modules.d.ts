/** YAML files are bundled as text (esbuild `loader: { '.yml': 'text' }`) and parsed at cold start. */
declare module '*.yml' {
  const text: string;
  export default text;
}

declare module 'dynalite';

declare module 'yauzl';
