/** The build output folder: index.html plus everything it loads (served under /graphiql-assets/). */
export declare const graphiqlDistDir: string;
/** The URL path the build's assets are served under (Vite's `base`). */
export declare const graphiqlAssetsPath: string;
