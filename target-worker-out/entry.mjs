// Préau's Worker entry module. It hands every request and cron event to the Rust core
// (./index.js and ./index_bg.wasm, produced by wasm-bindgen in scripts/build-worker.sh) and
// keeps the isolate usable after a Rust panic.
//
// A panic aborts the WebAssembly instance (panic = "abort"). The wasm-bindgen glue, built
// with --experimental-reset-state-function and --force-enable-abort-handler, marks the
// instance as terminated and creates a fresh one on the next call. What is left to do here:
// answer the request that panicked (and any request in flight on the same instance, whose
// futures died with it) with a 500 page instead of leaving it hanging.
import * as core from "./index.js";

// Same policy as preau_contract::headers::CSP (tests/worker_smoke.rs checks they stay equal).
const CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

// The page the build made for this case, in the site's language (the strings file); the
// assets binding serves `x.html` at `/x`. If even that fails, a page with no words.
const FAILURE_PAGE_URL = "https://assets.local/_preau/errors/500";
const BARE_FAILURE_PAGE = "<!DOCTYPE html><title>500</title><h1>500</h1>";

// Reject functions of the calls in flight on the current wasm instance.
const inflight = new Set();

function isTrap(error) {
  return (
    error instanceof WebAssembly.RuntimeError ||
    (error instanceof Error && error.message === "Module terminated")
  );
}

function abortInflight(reason) {
  for (const reject of inflight) reject(reason);
  inflight.clear();
}

// A trap inside an async continuation does not reach the caller's promise: it surfaces as
// an uncaught error or an unhandled rejection.
addEventListener("error", (event) => {
  if (isTrap(event.error)) abortInflight(event.error);
});
addEventListener("unhandledrejection", (event) => {
  if (isTrap(event.reason)) {
    abortInflight(event.reason);
    event.preventDefault();
  }
});

function run(call) {
  return new Promise((resolve, reject) => {
    inflight.add(reject);
    const done = () => inflight.delete(reject);
    let result;
    try {
      result = call();
    } catch (error) {
      done();
      reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
  });
}

async function failurePage(env) {
  try {
    const r = await env.ASSETS.fetch(FAILURE_PAGE_URL);
    if (r.status === 200) return await r.text();
  } catch (_) {
    // Fall through to the page with no words.
  }
  return BARE_FAILURE_PAGE;
}

async function failure(request, env) {
  const headers = new Headers({
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "x-frame-options": "DENY",
  });
  if (new URL(request.url).protocol === "https:") {
    headers.set("strict-transport-security", "max-age=31536000; includeSubDomains");
  }
  const body = request.method === "HEAD" ? null : await failurePage(env);
  return new Response(body, { status: 500, headers });
}

export default {
  async fetch(request, env, ctx) {
    try {
      return await run(() => core.fetch(request, env, ctx));
    } catch (error) {
      console.error("Préau : erreur interne ; l'instance wasm sera recréée à la prochaine requête.", error);
      return failure(request, env);
    }
  },

  async scheduled(event, env, ctx) {
    try {
      await run(() => core.scheduled(event, env, ctx));
    } catch (error) {
      console.error("Préau : la tâche planifiée a échoué.", error);
      throw error;
    }
  },
};
