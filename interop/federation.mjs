// federation.mjs URL TOKEN HOLDER_CODE — proves certgraph works as an Apollo
// Federation v2 subgraph next to another subgraph behind @apollo/gateway.
//
// It
//  1. reads HOLDER_CODE's certificates from certgraph directly (the truth the
//     federated answers are checked against);
//  2. starts a second subgraph in-process, "licensing" (@apollo/subgraph +
//     @apollo/server on a random loopback port), which extends certgraph's
//     entities through their keys — Certificate @key(fields: "id") gets
//     renewalNotice, Holder @key(fields: "code") gets renewalContact — and
//     has a root field returning Certificate references;
//  3. composes both subgraphs' `_service { sdl }` with @apollo/composition
//     (composition errors and hints are printed);
//  4. starts @apollo/gateway behind @apollo/server on another loopback port,
//     sending certgraph the bearer token and X-Use-For: 01;
//  5. runs, through the gateway over HTTP, one query starting in licensing
//     (licensing → certgraph → licensing) and one starting in certgraph
//     (certgraph → licensing), and compares every field with the truth.
//
// Exit code 0 when every check holds, 1 when one fails (the message says
// which and why), 2 on bad usage.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { isDeepStrictEqual, inspect } from 'node:util';

// Nothing here may talk to Apollo's cloud: without APOLLO_KEY/APOLLO_GRAPH_REF
// Apollo Server sends no usage reports and the gateway fetches no supergraph.
for (const k of Object.keys(process.env)) if (k.startsWith('APOLLO_')) delete process.env[k];

const [certgraphURL, token, holderCode] = process.argv.slice(2);
if (!certgraphURL || !token || !holderCode) {
  console.error('usage: node federation.mjs URL TOKEN HOLDER_CODE   (URL is certgraph\'s GraphQL endpoint; HOLDER_CODE a holder with certificates)');
  process.exit(2);
}

// CheckFailed is a failed expectation: reported as such, exit code 1.
class CheckFailed extends Error {}

function check(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

const show = (v) => inspect(v, { depth: 8, breakLength: 140 });

// certgraphHeaders are what every request to certgraph carries: the bearer
// token, and the reason for reading certificates (entity resolution needs it).
const certgraphHeaders = { Authorization: `Bearer ${token}`, 'X-Use-For': '01' };

// post sends one GraphQL operation over HTTP and returns the parsed answer,
// failing on transport errors, non-JSON answers and GraphQL errors.
async function post(url, query, variables, headers = {}) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new CheckFailed(`POST ${url} failed: ${err.cause?.message ?? err.message}`);
  }
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CheckFailed(`POST ${url}: HTTP ${res.status}, answer is not JSON: ${text.slice(0, 500)}`);
  }
  if (body.errors?.length || res.status !== 200) {
    throw new CheckFailed(`POST ${url}: HTTP ${res.status} with errors for\n${query}\n${show(body.errors ?? body)}`);
  }
  return body.data;
}

// Licensing subgraph: renewal notices keyed by certificate id, renewal
// contacts keyed by holder code. Its data is derived from the keys it is
// given, so the federated answer shows the key travelled intact.
const licensingTypeDefs = parse(`#graphql
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Certificate @key(fields: "id") {
    id: ID!
    "When and how to renew this certificate (licensing's own field)."
    renewalNotice: String!
  }

  type Holder @key(fields: "code") {
    code: String!
    "Who to contact about renewals (licensing's own field)."
    renewalContact: String!
  }

  "A renewal case opened by the licensing service."
  type RenewalCase {
    caseNumber: String!
    certificate: Certificate!
    holder: Holder!
  }

  type Query {
    "Open renewal cases, oldest first."
    renewalCases: [RenewalCase!]!
  }
`);

const renewalNotice = (id) => `renew certificate ${id} 30 days before it expires`;
const renewalContact = (code) => `licensing desk for holder ${code}`;

function startLicensing(cases, calls) {
  const resolvers = {
    Query: {
      renewalCases: () => cases.map((c) => ({ caseNumber: c.caseNumber, certificate: { id: c.certificateId }, holder: { code: c.holderCode } })),
    },
    Certificate: {
      __resolveReference(ref) {
        calls.certificateRefs.push(ref.id);
        return { id: ref.id };
      },
      renewalNotice: (c) => renewalNotice(c.id),
    },
    Holder: {
      __resolveReference(ref) {
        calls.holderRefs.push(ref.code);
        return { code: ref.code };
      },
      renewalContact: (h) => renewalContact(h.code),
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema([{ typeDefs: licensingTypeDefs, resolvers }]),
    // Traces for Apollo's cloud are of no use here.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  return startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } }).then(({ url }) => ({ server, url }));
}

// compose fetches each subgraph's SDL the way the gateway would and composes
// the supergraph, printing every error and hint.
async function compose(subgraphs) {
  const services = [];
  for (const s of subgraphs) {
    const data = await post(s.url, '{ _service { sdl } }', undefined, s.headers);
    check(typeof data?._service?.sdl === 'string', `${s.name}: _service.sdl missing: ${show(data)}`);
    services.push({ name: s.name, url: s.url, typeDefs: parse(data._service.sdl) });
  }
  const result = composeServices(services);
  for (const h of result.hints ?? []) console.log(`composition hint: ${h.toString()}`);
  if (result.errors?.length) {
    for (const e of result.errors) console.error(`composition error: ${e.toString()}`);
    throw new CheckFailed(`composition of ${subgraphs.map((s) => s.name).join(' + ')} failed with ${result.errors.length} error(s)`);
  }
  return result.supergraphSdl;
}

const stops = [];
let exitCode = 0;
try {
  // 1. Truth, straight from certgraph.
  const truth = await post(
    certgraphURL,
    `query($code: String!) { certificates(holderCode: $code, useFor: SHARED_APPLICATION) { id name number holder { code name } } }`,
    { code: holderCode },
    certgraphHeaders,
  );
  const certs = truth.certificates;
  check(certs.length >= 2, `holder ${holderCode} has ${certs.length} certificate(s) in certgraph; the federation check needs at least 2`);
  console.log(`certgraph holds ${certs.length} certificates of holder ${holderCode}`);

  // 2. The licensing subgraph, with one renewal case per certificate.
  const cases = certs.map((c, i) => ({ caseNumber: `RC-${i + 1}`, certificateId: c.id, holderCode: c.holder.code }));
  const calls = { certificateRefs: [], holderRefs: [] };
  const licensing = await startLicensing(cases, calls);
  stops.push(() => licensing.server.stop());
  console.log(`licensing subgraph listening at ${licensing.url}`);

  // 3. Composition.
  const supergraphSdl = await compose([
    { name: 'certgraph', url: certgraphURL, headers: certgraphHeaders },
    { name: 'licensing', url: licensing.url },
  ]);
  console.log('composed the supergraph of certgraph + licensing');

  // 4. The gateway. certgraphFetches counts operations sent to certgraph, to
  // show the gateway batches entity references into one request.
  let certgraphFetches = [];
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService({ name, url }) {
      return new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          if (name !== 'certgraph') return;
          for (const [k, v] of Object.entries(certgraphHeaders)) request.http.headers.set(k, v);
          certgraphFetches.push(request.query);
        },
      });
    },
  });
  const gatewayServer = new ApolloServer({ gateway });
  const { url: gatewayURL } = await startStandaloneServer(gatewayServer, { listen: { host: '127.0.0.1', port: 0 } });
  stops.push(() => gatewayServer.stop());
  console.log(`gateway listening at ${gatewayURL}`);

  // 5a. licensing root → certgraph (certificate and holder fields) → licensing (holder contact).
  certgraphFetches = [];
  const a = await post(
    gatewayURL,
    `{ renewalCases { caseNumber certificate { id name number renewalNotice holder { code name renewalContact } } holder { code name } } }`,
  );
  const wantA = {
    renewalCases: certs.map((c, i) => ({
      caseNumber: `RC-${i + 1}`,
      certificate: {
        id: c.id, name: c.name, number: c.number, renewalNotice: renewalNotice(c.id),
        holder: { code: c.holder.code, name: c.holder.name, renewalContact: renewalContact(c.holder.code) },
      },
      holder: { code: c.holder.code, name: c.holder.name },
    })),
  };
  check(isDeepStrictEqual(a, wantA), `query from licensing: gateway answered\n${show(a)}\nwant\n${show(wantA)}`);
  check(certgraphFetches.length >= 1 && certgraphFetches.every((q) => q.includes('_entities')),
    `query from licensing: certgraph should only be asked for entities, got ${show(certgraphFetches)}`);
  check(certgraphFetches.length <= 2,
    `query from licensing: ${certgraphFetches.length} requests to certgraph for ${certs.length} cases; the gateway should batch representations (Certificate, Holder) into at most 2`);
  check(calls.holderRefs.length >= 1 && calls.holderRefs.every((c) => c === holderCode),
    `query from licensing: licensing resolved Holder references ${show(calls.holderRefs)}, want only ${holderCode} (passed back from certgraph)`);
  console.log(`PASS licensing → certgraph → licensing: ${certs.length} renewal cases with certgraph's names and numbers (${certgraphFetches.length} batched request(s) to certgraph)`);

  // 5b. certgraph root → licensing (renewal notice and contact).
  calls.certificateRefs.length = 0;
  const target = certs[certs.length - 1];
  const b = await post(
    gatewayURL,
    `query($id: ID!) { certificate(id: $id, useFor: SHARED_APPLICATION) { id number renewalNotice holder { name renewalContact } } }`,
    { id: target.id },
  );
  const wantB = {
    certificate: {
      id: target.id, number: target.number, renewalNotice: renewalNotice(target.id),
      holder: { name: target.holder.name, renewalContact: renewalContact(target.holder.code) },
    },
  };
  check(isDeepStrictEqual(b, wantB), `query from certgraph: gateway answered\n${show(b)}\nwant\n${show(wantB)}`);
  check(isDeepStrictEqual(calls.certificateRefs, [target.id]),
    `query from certgraph: licensing resolved Certificate references ${show(calls.certificateRefs)}, want [${target.id}]`);
  console.log(`PASS certgraph → licensing: certificate ${target.id} carries licensing's renewal notice and contact`);
  console.log('Apollo Federation check passed.');
} catch (err) {
  exitCode = 1;
  if (err instanceof CheckFailed) console.error(`FAIL ${err.message}`);
  else console.error(`FAIL unexpected error: ${err.stack ?? err}`);
  console.error('Apollo Federation check FAILED.');
} finally {
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (err) {
      console.error(`stopping a server: ${err.message}`);
    }
  }
}
process.exit(exitCode);
