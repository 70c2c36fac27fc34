// audit.mjs URL TOKEN — runs graphql-http's GraphQL-over-HTTP compliance
// audit (auditServer) against a live certgraph /graphql endpoint.
//
// Every request of the audit carries "Authorization: Bearer TOKEN", because
// certgraph authenticates every GraphQL request. Every audit result is
// printed. The exit code is 1 when any MUST audit fails (status "error"),
// 2 on bad usage or when the audit itself cannot run, 0 otherwise: SHOULD
// ("warn") and MAY ("notice") failures are reported but do not fail.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs URL TOKEN   (URL is the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}
try {
  new URL(url);
} catch {
  console.error(`audit: URL ${JSON.stringify(url)} is not an absolute URL`);
  process.exit(2);
}

// authorizedFetch is fetch with the bearer token added to every request,
// whatever headers the audit itself sets.
function authorizedFetch(input, init = {}) {
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  headers.set('Authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

// bodyOf reads a failing response's body for the report, if it is still
// unread (the audit may have consumed it already).
async function bodyOf(res) {
  if (!res || res.bodyUsed) return '(body already read by the audit)';
  try {
    const text = await res.clone().text();
    const t = text.trim();
    return t.length > 500 ? t.slice(0, 500) + '…' : t;
  } catch (err) {
    return `(body unreadable: ${err.message})`;
  }
}

let results;
try {
  results = await auditServer({ url, fetchFn: authorizedFetch });
} catch (err) {
  console.error(`audit: the audit could not run against ${url}: ${err.stack ?? err}`);
  process.exit(2);
}

const label = { ok: 'PASS', notice: 'NOTE', warn: 'WARN', error: 'FAIL' };
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status]++;
  console.log(`${label[r.status]} [${r.id}] ${r.name}`);
  if (r.status !== 'ok') {
    console.log(`       reason: ${r.reason}`);
    if (r.response) {
      console.log(`       response: HTTP ${r.response.status} ${r.response.headers.get('content-type') ?? '(no content-type)'} ${await bodyOf(r.response)}`);
    }
  }
}
console.log(
  `\n${results.length} audits: ${counts.ok} passed, ${counts.error} MUST failed, ` +
    `${counts.warn} SHOULD failed, ${counts.notice} MAY not followed`,
);
if (counts.error > 0) {
  console.log('GraphQL-over-HTTP audit FAILED: the server breaks MUST requirements listed above.');
  process.exit(1);
}
console.log('GraphQL-over-HTTP audit passed: every MUST requirement holds.');
