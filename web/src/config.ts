// Run-time configuration, fetched from ./config.json next to index.html.

export interface LocalConfig {
  auth: "local";
  apiBase: string;
}

export interface CognitoConfig {
  auth: "cognito";
  apiBase: string;
  cognitoDomain: string;
  clientId: string;
  redirectUri: string;
}

export type AppConfig = LocalConfig | CognitoConfig;

function str(obj: Record<string, unknown>, key: string, required: boolean): string {
  const v = obj[key];
  if (typeof v === "string" && (v !== "" || !required)) return v;
  if (v === undefined && !required) return "";
  throw new Error(`config.json: "${key}" must be a${required ? " non-empty" : ""} string`);
}

/** Validates the parsed config.json. */
export function parseConfig(raw: unknown): AppConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error("config.json: expected an object");
  }
  const obj = raw as Record<string, unknown>;
  const apiBase = str(obj, "apiBase", false).replace(/\/+$/, "");
  if (obj.auth === "local") return { auth: "local", apiBase };
  if (obj.auth === "cognito") {
    return {
      auth: "cognito",
      apiBase,
      cognitoDomain: str(obj, "cognitoDomain", true).replace(/\/+$/, ""),
      clientId: str(obj, "clientId", true),
      redirectUri: str(obj, "redirectUri", true),
    };
  }
  throw new Error('config.json: "auth" must be "local" or "cognito"');
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch("./config.json", { cache: "no-store", headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  return parseConfig(await res.json());
}
