// A real OpenID Connect provider (panva's oidc-provider) for the sign-in tests, on
// 127.0.0.1 only. One confidential client is registered; the person who signs in is
// OIDC_TEST_ACCOUNT, whose claims are read from the JSON file OIDC_TEST_CLAIMS at every
// sign-in (a test rewrites it to change their email or groups). Its login and consent are
// accepted at once; /interaction/<uid>/abort answers the client with access_denied, as a
// person pressing "Cancel" would. RS256 keys are made anew at every start.
//
// Usage: node provider.mjs PORT REDIRECT_URI
import { readFileSync } from "node:fs";
import http from "node:http";

import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const account = process.env.OIDC_TEST_ACCOUNT;
const claimsFile = process.env.OIDC_TEST_CLAIMS;
const clientId = process.env.OIDC_TEST_CLIENT_ID;
const clientSecret = process.env.OIDC_TEST_CLIENT_SECRET;

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: "test-signing-key", alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ["test-provider-cookie-key"] },
  // Groups come with the profile, as Entra ID and Keycloak add them without a scope of their own.
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "groups"],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { ...JSON.parse(readFileSync(claimsFile, "utf8")), sub: id };
      },
    };
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.url.endsWith("/abort")) {
    const result = { error: "access_denied", error_description: "The person cancelled the sign-in." };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === "login") {
    return provider.interactionFinished(req, res, { login: { accountId: account } }, { mergeWithLastSubmission: false });
  }
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
    return;
  }
  handle(req, res);
});
server.listen(Number(port), "127.0.0.1", () => console.log(`ready ${issuer}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
