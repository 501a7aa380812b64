// Session token storage, local sign-in and the Cognito Hosted UI (authorization code + PKCE).
import { joinUrl, sendJson, type FetchLike } from "./api";
import type { CognitoConfig } from "./config";
import type { Agent } from "./types";

const TOKEN_KEY = "sportello.token";
const RETURN_KEY = "sportello.returnTo";
const VERIFIER_KEY = "sportello.pkce.verifier";
const STATE_KEY = "sportello.pkce.state";

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

function base64UrlDecode(s: string): string {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The token's `exp` claim in seconds since the epoch, or null when it has none or is not a JWT. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(base64UrlDecode(parts[1])) as { exp?: unknown };
    return typeof payload.exp === "number" ? payload.exp : null;
  } catch {
    return null;
  }
}

export function isExpired(token: string, nowMs: number = Date.now()): boolean {
  const exp = jwtExpiry(token);
  return exp !== null && exp * 1000 <= nowMs + 10_000;
}

export function getToken(): string | null {
  const s = storage();
  const token = s?.getItem(TOKEN_KEY) ?? null;
  if (token && isExpired(token)) {
    s?.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

export function setToken(token: string): void {
  storage()?.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  storage()?.removeItem(TOKEN_KEY);
}

/** Remembers where to go back to after signing in. */
export function setReturnTo(hash: string): void {
  if (hash && !hash.startsWith("#/login")) storage()?.setItem(RETURN_KEY, hash);
}

export function takeReturnTo(): string | null {
  const s = storage();
  const v = s?.getItem(RETURN_KEY) ?? null;
  s?.removeItem(RETURN_KEY);
  return v;
}

// --- local mode -----------------------------------------------------------

export interface LocalTokenResponse {
  token: string;
  agent: Agent;
}

export async function localSignIn(
  apiBase: string,
  email: string,
  fetchImpl: FetchLike = (i, init) => globalThis.fetch(i, init),
): Promise<LocalTokenResponse> {
  const res = await sendJson<LocalTokenResponse>(fetchImpl, joinUrl(apiBase, "/local/token"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ email }),
  });
  if (typeof res.token !== "string" || res.token === "") throw new Error("no token in response");
  return res;
}

// --- Cognito Hosted UI with PKCE --------------------------------------------

export function base64UrlEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomUrlSafe(byteLength = 32): string {
  const bytes = new Uint8Array(byteLength);
  crypto.getRandomValues(bytes);
  return base64UrlEncode(bytes);
}

/** S256 code challenge: base64url(sha256(ascii(verifier))). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

export function authorizeUrl(cfg: CognitoConfig, challenge: string, state: string): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    scope: "openid email profile",
    code_challenge_method: "S256",
    code_challenge: challenge,
    state,
  });
  return `${cfg.cognitoDomain}/oauth2/authorize?${q.toString()}`;
}

export function logoutUrl(cfg: CognitoConfig): string {
  const q = new URLSearchParams({ client_id: cfg.clientId, logout_uri: cfg.redirectUri });
  return `${cfg.cognitoDomain}/logout?${q.toString()}`;
}

export async function startCognitoSignIn(cfg: CognitoConfig): Promise<void> {
  const verifier = randomUrlSafe(48);
  const state = randomUrlSafe(16);
  const s = storage();
  s?.setItem(VERIFIER_KEY, verifier);
  s?.setItem(STATE_KEY, state);
  window.location.assign(authorizeUrl(cfg, await pkceChallenge(verifier), state));
}

export type CallbackResult =
  | { kind: "none" }
  | { kind: "signedIn" }
  | { kind: "error"; message: string; stateMismatch?: boolean };

/**
 * Completes the Hosted UI redirect when the page URL carries ?code= (or ?error=):
 * exchanges the code for tokens, keeps the id_token, and strips the query from the URL.
 */
export async function completeCognitoSignIn(
  cfg: CognitoConfig,
  fetchImpl: FetchLike = (i, init) => globalThis.fetch(i, init),
): Promise<CallbackResult> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return { kind: "none" };

  const s = storage();
  const verifier = s?.getItem(VERIFIER_KEY) ?? null;
  const expectedState = s?.getItem(STATE_KEY) ?? null;
  s?.removeItem(VERIFIER_KEY);
  s?.removeItem(STATE_KEY);
  // Drop ?code=… from the address bar; the app then routes from #/login to where the user was going.
  window.history.replaceState(null, "", window.location.pathname + (window.location.hash || "#/login"));
  window.dispatchEvent(new HashChangeEvent("hashchange"));

  if (error) {
    return { kind: "error", message: params.get("error_description") || error };
  }
  if (!verifier || !expectedState || params.get("state") !== expectedState) {
    return { kind: "error", message: "state mismatch", stateMismatch: true };
  }
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: cfg.clientId,
    code: code as string,
    redirect_uri: cfg.redirectUri,
    code_verifier: verifier,
  });
  try {
    const tokens = await sendJson<{ id_token?: unknown }>(fetchImpl, `${cfg.cognitoDomain}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: body.toString(),
    });
    if (typeof tokens.id_token !== "string" || tokens.id_token === "") {
      return { kind: "error", message: "no id_token in token response" };
    }
    setToken(tokens.id_token);
    return { kind: "signedIn" };
  } catch (e) {
    return { kind: "error", message: e instanceof Error ? e.message : String(e) };
  }
}

let callbackOnce: Promise<CallbackResult> | null = null;

/** completeCognitoSignIn, run at most once per page load (React may mount effects twice). */
export function completeCognitoSignInOnce(cfg: CognitoConfig): Promise<CallbackResult> {
  callbackOnce ??= completeCognitoSignIn(cfg);
  return callbackOnce;
}
