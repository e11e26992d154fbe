import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

// Google's OAuth 2.0 authorization-code flow with PKCE, as the edge sees it: the authorization
// endpoint (a redirect back with ?code&state), the token endpoint (form-encoded, client
// credentials by Basic auth or body, S256 verifier checked) and the OpenID userinfo endpoint.
// Tests register the identity a person "chooses" at the consent screen through a test-only route.

export const GOOGLE_CLIENT_ID = "stand-in-client.apps.googleusercontent.com";
export const GOOGLE_CLIENT_SECRET = "stand-in-secret";

interface Identity {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
}

interface IssuedCode {
  identity: Identity;
  redirectUri: string;
  challenge: string;
  used: boolean;
}

const identities = new Map<string, Identity>();
const codes = new Map<string, IssuedCode>();
const accessTokens = new Map<string, Identity>();

const b64url = (buf: Buffer) => buf.toString("base64url");

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

const oauthError = (res: ServerResponse, status: number, error: string, description: string) =>
  json(res, status, { error, error_description: description });

export async function handleGoogle(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<boolean> {
  if (req.method === "POST" && url.pathname === "/google/_test/accounts") {
    const identity = JSON.parse(body) as Identity;
    const hint = b64url(randomBytes(9));
    identities.set(hint, identity);
    json(res, 201, { login_hint: hint });
    return true;
  }

  if (req.method === "GET" && url.pathname === "/google/auth") {
    const q = url.searchParams;
    const identity = identities.get(q.get("login_hint") ?? "");
    if (q.get("client_id") !== GOOGLE_CLIENT_ID) {
      oauthError(res, 400, "invalid_client", "The OAuth client was not found.");
    } else if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
      oauthError(res, 400, "invalid_request", "response_type=code and S256 PKCE are required.");
    } else if (!q.get("code_challenge") || !q.get("state") || !q.get("redirect_uri")) {
      oauthError(res, 400, "invalid_request", "Missing code_challenge, state or redirect_uri.");
    } else if (!identity) {
      oauthError(res, 400, "invalid_request", "No test identity chosen (login_hint).");
    } else {
      const code = `4/${b64url(randomBytes(24))}`;
      codes.set(code, {
        identity,
        redirectUri: q.get("redirect_uri") ?? "",
        challenge: q.get("code_challenge") ?? "",
        used: false,
      });
      const back = new URL(q.get("redirect_uri") ?? "");
      back.searchParams.set("state", q.get("state") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("scope", q.get("scope") ?? "");
      res.writeHead(302, { location: back.href });
      res.end();
    }
    return true;
  }

  if (req.method === "POST" && url.pathname === "/google/token") {
    const form = new URLSearchParams(body);
    let clientId = form.get("client_id");
    let clientSecret = form.get("client_secret");
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
    if (basic?.[1]) {
      const [id, secret] = Buffer.from(basic[1], "base64").toString().split(":");
      clientId = decodeURIComponent(id ?? "");
      clientSecret = decodeURIComponent(secret ?? "");
    }
    if (clientId !== GOOGLE_CLIENT_ID || clientSecret !== GOOGLE_CLIENT_SECRET) {
      oauthError(res, 401, "invalid_client", "Unauthorized");
      return true;
    }
    const issued = codes.get(form.get("code") ?? "");
    const verifier = form.get("code_verifier") ?? "";
    const challenge = b64url(createHash("sha256").update(verifier).digest());
    if (form.get("grant_type") !== "authorization_code" || !issued || issued.used) {
      oauthError(res, 400, "invalid_grant", "Bad Request");
    } else if (issued.redirectUri !== form.get("redirect_uri")) {
      oauthError(res, 400, "redirect_uri_mismatch", "Bad Request");
    } else if (challenge !== issued.challenge) {
      oauthError(res, 400, "invalid_grant", "Invalid code verifier.");
    } else {
      issued.used = true;
      const accessToken = `ya29.${b64url(randomBytes(30))}`;
      accessTokens.set(accessToken, issued.identity);
      json(res, 200, {
        access_token: accessToken,
        expires_in: 3599,
        scope:
          "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
        token_type: "Bearer",
        id_token: "stand-in.not-a-real.jwt",
      });
    }
    return true;
  }

  if (req.method === "GET" && url.pathname === "/google/userinfo") {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const identity = token ? accessTokens.get(token) : undefined;
    if (!identity) {
      json(res, 401, { error: "invalid_request", error_description: "Invalid Credentials" });
    } else {
      json(res, 200, { ...identity, picture: "https://lh3.googleusercontent.com/a/stand-in" });
    }
    return true;
  }
  return false;
}
