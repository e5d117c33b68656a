/** pg's own encoder of statement parameters (pg/lib/utils.js), which @types/pg does not describe. */
declare module 'pg/lib/utils.js' {
  const utils: {
    /** A parameter as pg sends it in text format: null, a string, or a Buffer. */
    prepareValue(value: unknown): string | Buffer | null;
  };
  export default utils;
}
