/** Types for the `stopword` package (its stop-word lists, keyed by ISO 639-3 code). */
declare module "stopword" {
  const lists: { readonly [key: string]: readonly string[] | unknown };
  export = lists;
}
