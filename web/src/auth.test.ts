import { describe, expect, it, vi } from "vitest";
import { authorizeUrl, base64UrlEncode, isExpired, jwtExpiry, localSignIn, pkceChallenge, randomUrlSafe } from "./auth";
import { parseConfig, type CognitoConfig } from "./config";
import type { FetchLike } from "./api";

const cognito: CognitoConfig = {
  auth: "cognito",
  apiBase: "https://api.example.test",
  cognitoDomain: "https://xyz.auth.eu-south-1.amazoncognito.com",
  clientId: "client123",
  redirectUri: "https://app.example.test/",
};

describe("PKCE", () => {
  it("matches the RFC 7636 example", async () => {
    expect(await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes URL-safe random verifiers of legal length", async () => {
    const v = randomUrlSafe(48);
    expect(v).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(randomUrlSafe(48)).not.toBe(v);
    expect(await pkceChallenge(v)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64UrlEncode(new Uint8Array([251, 255]))).toBe("-_8");
  });

  it("builds the Hosted UI authorize URL", () => {
    const url = new URL(authorizeUrl(cognito, "chal", "st"));
    expect(url.origin + url.pathname).toBe("https://xyz.auth.eu-south-1.amazoncognito.com/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "client123",
      redirect_uri: "https://app.example.test/",
      scope: "openid email profile",
      code_challenge_method: "S256",
      code_challenge: "chal",
      state: "st",
    });
    expect(url.search).toContain("scope=openid+email+profile");
  });
});

describe("tokens", () => {
  const jwt = (payload: object) => `h.${base64UrlEncode(new TextEncoder().encode(JSON.stringify(payload)))}.s`;

  it("reads exp and judges expiry", () => {
    expect(jwtExpiry(jwt({ exp: 1700000000 }))).toBe(1700000000);
    expect(jwtExpiry("opaque-token")).toBeNull();
    expect(isExpired(jwt({ exp: 1000 }), 2_000_000)).toBe(true);
    expect(isExpired(jwt({ exp: 10_000 }), 2_000_000)).toBe(false);
    expect(isExpired("opaque-token")).toBe(false);
  });

  it("signs in locally", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () =>
      new Response(JSON.stringify({ token: "abc", agent: { id: "a1", email: "agent@sportello.local", name: "Agent" } }), { status: 200 }),
    );
    const res = await localSignIn("", "agent@sportello.local", fetchImpl);
    expect(res.token).toBe("abc");
    expect(fetchImpl.mock.calls[0][0]).toBe("/local/token");
    expect(JSON.parse(fetchImpl.mock.calls[0][1]?.body as string)).toEqual({ email: "agent@sportello.local" });
  });
});

describe("config", () => {
  it("accepts local and cognito configs", () => {
    expect(parseConfig({ auth: "local", apiBase: "" })).toEqual({ auth: "local", apiBase: "" });
    expect(parseConfig({ auth: "local" })).toEqual({ auth: "local", apiBase: "" });
    expect(parseConfig({ ...cognito, apiBase: "https://api.example.test/" })).toEqual(cognito);
  });

  it("rejects broken configs", () => {
    expect(() => parseConfig(null)).toThrow();
    expect(() => parseConfig({ auth: "saml" })).toThrow();
    expect(() => parseConfig({ auth: "cognito", apiBase: "" })).toThrow(/cognitoDomain/);
  });
});
