import { createContext, useContext } from "react";

/** The per-request Content-Security-Policy nonce, given to Remix's inline scripts. */
export const NonceContext = createContext<string>("");
export const useNonce = () => useContext(NonceContext);
