/**
 * Imported first by scripts/start.ts, before anything else is evaluated: React, react-dom/server
 * and express choose their builds from NODE_ENV when they are first loaded, and some of start's
 * own imports load React (the lesson renderer, through the demo seed). Unset, the app ran their
 * development builds, 10–35 % slower on every page. An operator's explicit NODE_ENV is kept.
 */
process.env.NODE_ENV ??= "production";
