import type { Config } from "./config";

/** What the verified access token says about the caller. Set only by the auth middleware. */
export interface AuthContext {
  userId: string;
  sessionId: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    auth: AuthContext;
  };
}
