import type { AuthContext } from "../../auth/authenticate";
import type { Config } from "../../lib/config";

/** Hono's typing of this app: the Worker's bindings and what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Set for every request by the request-id middleware. */
    requestId: string;
    /** Set for every /v1 request. */
    config: Config;
    /** Set only by requireAuth, from the verified access token. */
    auth: AuthContext;
  };
}
