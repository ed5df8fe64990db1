//! The HTTP API (docs/openapi.yaml): routes, request bodies, answers and
//! errors. Handlers parse, call the verify path and write the verdict's own
//! JSON; limits and timeouts are tower layers around them.
//!
//! No answer, error or metric label repeats a presented token: errors about
//! a body say where JSON broke, or serde's words with anything token-shaped
//! redacted; a refused caller learns nothing about the tokens it sent.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt as _;
use serde::{Deserialize, Deserializer};
use zeroize::{Zeroize, Zeroizing};

use super::metrics::Outcome;
use super::state::{CallerRefused, Reads, Shared};
use super::{CallerAuth, MAX_BATCH_TOKENS, MAX_BODY_BYTES, REQUEST_TIMEOUT};
use crate::scope::{compose_scopes, Scope, ScopePart};
use crate::secret::redact_tokens;
use crate::verdict::Verdict;

/// The routes with their layers: outermost the observer (metrics, JSON for
/// every error), then the request timeout (408), then the body limit (413).
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/verify", post(verify_one))
        .route("/v1/verify/batch", post(verify_batch))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            observe,
        ))
        .with_state(shared)
}

/// Counts every answer by outcome and latency, and gives the errors that
/// layers and the router answer with an empty body (404, 405, 408, 413)
/// the JSON body every error has.
async fn observe(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let known = response.extensions().get::<Outcome>().copied();
    let (response, outcome) = match known {
        Some(outcome) => (response, outcome),
        None => {
            let status = response.status();
            let (outcome, code, message) = match status {
                StatusCode::NOT_FOUND => (Outcome::NotFound, "not_found", "no such endpoint"),
                StatusCode::METHOD_NOT_ALLOWED => (
                    Outcome::MethodNotAllowed,
                    "method_not_allowed",
                    "this endpoint does not take that method",
                ),
                StatusCode::REQUEST_TIMEOUT => (
                    Outcome::Timeout,
                    "request_timeout",
                    "the request was not received and answered in time",
                ),
                StatusCode::PAYLOAD_TOO_LARGE => (
                    Outcome::TooLarge,
                    "payload_too_large",
                    "the request body is larger than the service accepts",
                ),
                status if status.is_success() => (Outcome::Ok, "", ""),
                _ => (Outcome::OtherError, "error", "the request failed"),
            };
            if status.is_success() {
                (response, outcome)
            } else {
                (
                    ApiError::new(status, outcome, code, message).into_response(),
                    outcome,
                )
            }
        }
    };
    shared.metrics.request(outcome, started.elapsed());
    response
}

/// An error answer: `{"error": CODE, "message": WORDS}`.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    outcome: Outcome,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(super) fn new(
        status: StatusCode,
        outcome: Outcome,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            outcome,
            code,
            message: message.into(),
        }
    }

    fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, Outcome::BadRequest, code, message)
    }

    fn store(shared: &Shared) -> Self {
        shared.metrics.store_error();
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Outcome::StoreError,
            "store_unavailable",
            "the store could not be read; try again",
        )
    }

    fn caller(shared: &Shared, refused: CallerRefused) -> Self {
        match refused {
            CallerRefused::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                Outcome::Unauthenticated,
                "unauthenticated",
                "send a valid tokctl org token of the caller in Authorization: Bearer",
            ),
            CallerRefused::Forbidden(why) => {
                ApiError::new(StatusCode::FORBIDDEN, Outcome::Forbidden, "forbidden", why)
            }
            CallerRefused::Store => ApiError::store(shared),
        }
    }

    pub(super) fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code, "message": self.message });
        let mut response = json_response(self.status, body.to_string().into_bytes());
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(self.outcome);
        response
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A presented token as the JSON body held it: borrowed from the (wiped)
/// body buffer, or, when the JSON string had escapes, an owned copy wiped
/// on drop.
struct Presented<'a>(Cow<'a, str>);

impl Drop for Presented<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(text) = &mut self.0 {
            text.zeroize();
        }
    }
}

impl std::fmt::Debug for Presented<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Presented(REDACTED)")
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Presented<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Presented<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a token string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Presented(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Presented(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
                Ok(Presented(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// `POST /v1/verify`.
#[derive(Debug, Deserialize)]
struct VerifyBody<'a> {
    #[serde(borrow)]
    token: Presented<'a>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    resource: Option<String>,
}

/// `POST /v1/verify/batch`.
#[derive(Debug, Deserialize)]
struct BatchBody<'a> {
    #[serde(borrow)]
    tokens: Vec<Presented<'a>>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    resource: Option<String>,
}

async fn verify_one(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(err) => return err.into_response(),
    };
    let parsed = parse::<VerifyBody>(&bytes).and_then(|body| {
        let required = required_scope(body.scope.as_deref(), body.resource.as_deref())?;
        Ok((body, required))
    });
    let answer = shared.with_reads(|reads| {
        check_caller(&shared, reads, &headers)?;
        let (body, required) = parsed?;
        reads
            .run(|session| session.verify(&body.token.0, required.as_ref()))
            .map_err(|_| ApiError::store(&shared))
    });
    match answer {
        Ok(verdict) => {
            shared
                .metrics
                .verdict(verdict.is_valid(), verdict.refusal().map(|r| r.reason));
            let outcome = if verdict.is_valid() {
                Outcome::Valid
            } else {
                Outcome::Refused
            };
            verdict_response(&verdict, outcome)
        }
        Err(err) => err.into_response(),
    }
}

async fn verify_batch(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(err) => return err.into_response(),
    };
    let parsed = parse::<BatchBody>(&bytes).and_then(|body| {
        if body.tokens.len() > MAX_BATCH_TOKENS {
            return Err(ApiError::bad_request(
                "batch_too_large",
                format!(
                    "{} tokens in one batch; at most {MAX_BATCH_TOKENS}",
                    body.tokens.len()
                ),
            ));
        }
        let required = required_scope(body.scope.as_deref(), body.resource.as_deref())?;
        Ok((body, required))
    });
    let answer = shared.with_reads(|reads| {
        check_caller(&shared, reads, &headers)?;
        let (body, required) = parsed?;
        let mut verdicts = Vec::with_capacity(body.tokens.len());
        for token in &body.tokens {
            let verdict = reads
                .run(|session| session.verify(&token.0, required.as_ref()))
                .map_err(|_| ApiError::store(&shared))?;
            verdicts.push(verdict);
        }
        Ok::<_, ApiError>(verdicts)
    });
    match answer {
        Ok(verdicts) => {
            for verdict in &verdicts {
                shared
                    .metrics
                    .verdict(verdict.is_valid(), verdict.refusal().map(|r| r.reason));
            }
            #[derive(serde::Serialize)]
            struct Results<'v> {
                results: &'v [Verdict],
            }
            let body = serde_json::to_vec(&Results { results: &verdicts });
            match body {
                Ok(body) => {
                    let mut response = json_response(StatusCode::OK, body);
                    response.extensions_mut().insert(Outcome::Batch);
                    response
                }
                Err(_) => internal_error(),
            }
        }
        Err(err) => err.into_response(),
    }
}

/// The caller check as a read of its own (none when callers are not
/// checked), so that a failure of the token's read after it does not run
/// it again.
fn check_caller(
    shared: &Shared,
    reads: &mut Reads<'_>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if shared.caller_auth == CallerAuth::Off {
        return Ok(());
    }
    reads
        .run(|session| shared.check_caller(session, bearer(headers)))
        .map_err(|refused| ApiError::caller(shared, refused))
}

fn verdict_response(verdict: &Verdict, outcome: Outcome) -> Response {
    match serde_json::to_vec(verdict) {
        Ok(body) => {
            let mut response = json_response(StatusCode::OK, body);
            response.extensions_mut().insert(outcome);
            response
        }
        Err(_) => internal_error(),
    }
}

fn internal_error() -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        Outcome::OtherError,
        "internal",
        "the answer could not be written",
    )
    .into_response()
}

/// `GET /healthz`: 200 when the store that would answer a verification
/// answers a read, else 503.
async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    match shared.with_reads(|reads| reads.run(|session| session.check_store())) {
        Ok(()) => {
            let mut response = json_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec());
            response.extensions_mut().insert(Outcome::Ok);
            response
        }
        Err(_) => ApiError::store(&shared).into_response(),
    }
}

/// `GET /metrics`: the Prometheus text exposition.
async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let mut response = Response::new(Body::from(shared.render_metrics()));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response.extensions_mut().insert(Outcome::Ok);
    response
}

async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Outcome::NotFound,
        "not_found",
        "no such endpoint",
    )
    .into_response()
}

/// Reads the whole body (at most [`MAX_BODY_BYTES`]) into a buffer wiped on
/// drop. (Hyper's own read buffer, reused for the connection's next
/// request, is not ours to wipe.)
async fn read_body(body: Body) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    match limited.collect().await {
        Ok(collected) => Ok(Zeroizing::new(Vec::from(collected.to_bytes()))),
        Err(err) => {
            let too_large =
                std::iter::successors(Some(&*err as &(dyn std::error::Error + 'static)), |err| {
                    err.source()
                })
                .any(|err| err.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Outcome::TooLarge,
                    "payload_too_large",
                    format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                )
            } else {
                ApiError::bad_request("unreadable_body", "the request body could not be read")
            })
        }
    }
}

/// Parses a JSON body, with an error that never quotes a token.
fn parse<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| {
        use serde_json::error::Category;
        match err.classify() {
            Category::Data => ApiError::bad_request(
                "invalid_request",
                format!(
                    "the request body does not fit the API: {}",
                    redact_tokens(&err.to_string())
                ),
            ),
            Category::Io | Category::Syntax | Category::Eof => ApiError::bad_request(
                "malformed_json",
                format!(
                    "the request body is not valid JSON (line {}, column {})",
                    err.line(),
                    err.column()
                ),
            ),
        }
    })
}

/// The scope to require: `scope`, narrowed by `resource` (`repo=web`) as
/// `tokctl verify --scope … --resource …` narrows it.
fn required_scope(scope: Option<&str>, resource: Option<&str>) -> Result<Option<Scope>, ApiError> {
    let invalid = |err: &dyn std::fmt::Display| {
        ApiError::bad_request("invalid_scope", redact_tokens(&err.to_string()))
    };
    let Some(scope) = scope else {
        return match resource {
            Some(_) => Err(ApiError::bad_request(
                "invalid_scope",
                "\"resource\" narrows \"scope\": give both",
            )),
            None => Ok(None),
        };
    };
    let scope: Scope = scope.parse().map_err(|err| invalid(&err))?;
    let Some(resource) = resource else {
        return Ok(Some(scope));
    };
    let names = ScopePart::parse_names(resource).map_err(|err| invalid(&err))?;
    let mut composed =
        compose_scopes([ScopePart::Scope(scope), names]).map_err(|err| invalid(&err))?;
    Ok(composed.pop())
}

/// The token of `Authorization: Bearer TOKEN`, if that is what was sent.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_body_error_never_quotes_the_token() {
        let token = "tkp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let wrong_type = format!(r#"{{"tokens": "{token}"}}"#);
        let err = parse::<BatchBody>(wrong_type.as_bytes()).unwrap_err();
        assert!(!err.message.contains(&token[4..20]), "{}", err.message);
        let broken = format!(r#"{{"token": "{token}""#);
        let err = parse::<VerifyBody>(broken.as_bytes()).unwrap_err();
        assert_eq!(err.code, "malformed_json");
        assert!(!err.message.contains(&token[4..20]), "{}", err.message);
    }

    #[test]
    fn an_escaped_token_is_read_and_a_plain_one_borrowed() {
        let body: VerifyBody = parse(br#"{"token": "tkp_\u0041b"}"#).unwrap();
        assert_eq!(&*body.token.0, "tkp_Ab");
        assert!(matches!(body.token.0, Cow::Owned(_)));
        let body: VerifyBody = parse(br#"{"token": "tkp_Ab"}"#).unwrap();
        assert!(matches!(body.token.0, Cow::Borrowed(_)));
    }

    #[test]
    fn resource_narrows_scope_and_needs_one() {
        let scope = required_scope(Some("repo:read"), Some("repo=web")).unwrap();
        assert_eq!(scope.unwrap().to_string(), "repo:read[web]");
        assert!(required_scope(None, Some("repo=web")).is_err());
        assert!(required_scope(Some("repo:read"), Some("team=web")).is_err());
        assert!(required_scope(Some("nonsense"), None).is_err());
        assert!(required_scope(None, None).unwrap().is_none());
    }

    #[test]
    fn bearer_takes_the_token_of_the_bearer_scheme_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer tko_x"));
        assert_eq!(bearer(&headers), Some("tko_x"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer  tko_y "));
        assert_eq!(bearer(&headers), Some("tko_y"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }
}
