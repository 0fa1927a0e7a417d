//! The admin API: shops register shipments to users and manage keys from their own systems.
//! Every call needs `Authorization: Bearer <admin token>` (`access.admin_token` or
//! `TRACKLINE_ADMIN_TOKEN`), compared in constant time and never logged. Without a token in the
//! configuration the API is off. Errors are problem documents like the rest of the proxy's.
//!
//! ```text
//! GET    /admin/v1/users                           list users
//! POST   /admin/v1/users                           {"name": "anna", "partners": ["4711"]}
//! GET    /admin/v1/users/{user}                    one user
//! PUT    /admin/v1/users/{user}/partners/{id}      bind a partner id
//! DELETE /admin/v1/users/{user}/partners/{id}      unbind it
//! GET    /admin/v1/users/{user}/shipments          ?page=1&per_page=20&search=…, newest first
//! POST   /admin/v1/users/{user}/shipments          {"references": ["sscc=…", "cref=…"]}, ≤ 1,000
//! DELETE /admin/v1/users/{user}/shipments          {"references": [...]}
//! GET    /admin/v1/users/{user}/keys               the user's key names
//! POST   /admin/v1/users/{user}/keys               {"name": "anna-phone"}: the key, shown once
//! DELETE /admin/v1/keys/{name}                     revoke a key
//! ```

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::config::Secret;
use super::problem::{Problem, ProblemKind};
use super::store::{parse_reference, ShipmentsQuery, Store, StoreError, MAX_REFERENCES_PER_CALL};

/// The largest body the admin API reads: 1,000 references with room to spare.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AdminState {
    pub store: Arc<dyn Store>,
    pub token: Option<Secret>,
}

pub fn router(state: AdminState) -> Router {
    Router::new()
        .route("/admin/v1/users", get(list_users).post(create_user))
        .route("/admin/v1/users/{user}", get(show_user))
        .route(
            "/admin/v1/users/{user}/partners/{partner}",
            put(bind_partner).delete(unbind_partner),
        )
        .route(
            "/admin/v1/users/{user}/shipments",
            get(list_shipments)
                .post(add_shipments)
                .delete(remove_shipments),
        )
        .route(
            "/admin/v1/users/{user}/keys",
            get(list_keys).post(create_key),
        )
        .route("/admin/v1/keys/{name}", delete(revoke_key))
        .with_state(Arc::new(state))
}

/// Proof that the request carries the admin token. Its rejection is the problem answer.
pub struct Admin;

impl FromRequestParts<Arc<AdminState>> for Admin {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AdminState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = &state.token else {
            return Err(Problem::new(
                ProblemKind::NotFound,
                "the admin API is off: set access.admin_token or TRACKLINE_ADMIN_TOKEN",
            ));
        };
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(presented) = presented else {
            return Err(Problem::new(
                ProblemKind::AdminUnauthorized,
                "send the admin token as `Authorization: Bearer <token>`",
            ));
        };
        // Hashing first makes the comparison constant-time whatever the lengths.
        let expected = Sha256::digest(token.expose().as_bytes());
        let presented = Sha256::digest(presented.as_bytes());
        if bool::from(expected.ct_eq(&presented)) {
            Ok(Admin)
        } else {
            Err(Problem::new(
                ProblemKind::AdminUnauthorized,
                "the admin token is wrong",
            ))
        }
    }
}

/// A JSON body of at most [`MAX_BODY_BYTES`]; too large, unreadable or of the wrong shape is a
/// problem answer that names what is wrong.
pub struct AdminJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AdminJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let too_large = || {
            Problem::new(
                ProblemKind::PayloadTooLarge,
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            )
        };
        if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
            return Err(too_large());
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| too_large())?;
        serde_json::from_slice(&bytes)
            .map(AdminJson)
            .map_err(|error| {
                Problem::new(
                    ProblemKind::InvalidRequest,
                    format!("the body is not the JSON this call takes: {error}"),
                )
            })
    }
}

fn problem_of(error: StoreError) -> Problem {
    let kind = match &error {
        StoreError::UnknownUser(_) | StoreError::UnknownKey(_) => ProblemKind::NotFound,
        StoreError::DuplicateKey(_) => ProblemKind::Conflict,
        StoreError::InvalidName(_)
        | StoreError::InvalidPartner(_)
        | StoreError::InvalidReference { .. } => ProblemKind::InvalidRequest,
        StoreError::TooManyReferences(_) => ProblemKind::PayloadTooLarge,
        _ => {
            tracing::error!(%error, "the access database failed on an admin call");
            return Problem::new(
                ProblemKind::AccessUnavailable,
                "the access database failed; see the proxy's log",
            );
        }
    };
    Problem::new(kind, error.to_string())
}

fn json(status: StatusCode, value: impl Serialize) -> Response {
    let mut response = (status, Json(value)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

type Answer = Result<Response, Problem>;

async fn list_users(_: Admin, State(state): State<Arc<AdminState>>) -> Answer {
    let users = state.store.users().await.map_err(problem_of)?;
    Ok(json(StatusCode::OK, serde_json::json!({ "users": users })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    #[serde(default)]
    partners: Vec<String>,
}

/// Idempotent: an existing user is answered 200 and gains the partners named.
async fn create_user(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    AdminJson(body): AdminJson<NewUser>,
) -> Answer {
    let store = state.store.as_ref();
    let (created, user) = async {
        for partner in &body.partners {
            super::store::check_partner(partner)?;
        }
        let created = store.ensure_user(&body.name).await?;
        for partner in &body.partners {
            store.bind_partner(&body.name, partner).await?;
        }
        Ok::<_, StoreError>((created, store.user(&body.name).await?))
    }
    .await
    .map_err(problem_of)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, user))
}

async fn show_user(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(user): Path<String>,
) -> Answer {
    let user = state.store.user(&user).await.map_err(problem_of)?;
    Ok(json(StatusCode::OK, user))
}

async fn bind_partner(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path((user, partner)): Path<(String, String)>,
) -> Answer {
    state
        .store
        .bind_partner(&user, &partner)
        .await
        .map_err(problem_of)?;
    let user = state.store.user(&user).await.map_err(problem_of)?;
    Ok(json(StatusCode::OK, user))
}

async fn unbind_partner(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path((user, partner)): Path<(String, String)>,
) -> Answer {
    state
        .store
        .unbind_partner(&user, &partner)
        .await
        .map_err(problem_of)?;
    let user = state.store.user(&user).await.map_err(problem_of)?;
    Ok(json(StatusCode::OK, user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    search: Option<String>,
}

async fn list_shipments(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(user): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let Query(query) = query.map_err(|error| {
        Problem::new(ProblemKind::InvalidRequest, format!("the query: {error}"))
    })?;
    let query = ShipmentsQuery {
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(20),
        search: query.search.filter(|search| !search.trim().is_empty()),
    };
    let page = state
        .store
        .shipments(&user, &query)
        .await
        .map_err(problem_of)?;
    Ok(json(StatusCode::OK, page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct References {
    /// Each written as in a link: `sscc=…`, `cref=…`, `vp=4711&vpref=…`, or a tracking number.
    references: Vec<String>,
}

fn parse_references(
    body: &References,
) -> Result<Vec<trackline_core::reference::Reference>, Problem> {
    if body.references.len() > MAX_REFERENCES_PER_CALL {
        return Err(problem_of(StoreError::TooManyReferences(
            body.references.len(),
        )));
    }
    body.references
        .iter()
        .enumerate()
        .map(|(index, text)| parse_reference(index, text).map_err(problem_of))
        .collect()
}

async fn add_shipments(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(user): Path<String>,
    AdminJson(body): AdminJson<References>,
) -> Answer {
    let references = parse_references(&body)?;
    let added = state
        .store
        .add_shipments(&user, &references)
        .await
        .map_err(problem_of)?;
    Ok(json(StatusCode::OK, added))
}

async fn remove_shipments(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(user): Path<String>,
    AdminJson(body): AdminJson<References>,
) -> Answer {
    let references = parse_references(&body)?;
    let removed = state
        .store
        .remove_shipments(&user, &references)
        .await
        .map_err(problem_of)?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "removed": removed }),
    ))
}

async fn list_keys(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(user): Path<String>,
) -> Answer {
    let keys = state.store.keys(Some(&user)).await.map_err(problem_of)?;
    Ok(json(StatusCode::OK, serde_json::json!({ "keys": keys })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    name: String,
}

async fn create_key(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(user): Path<String>,
    AdminJson(body): AdminJson<NewKey>,
) -> Answer {
    let key = state
        .store
        .create_key(&user, &body.name)
        .await
        .map_err(problem_of)?;
    Ok(json(
        StatusCode::CREATED,
        serde_json::json!({ "name": body.name, "user": user, "key": key }),
    ))
}

async fn revoke_key(
    _: Admin,
    State(state): State<Arc<AdminState>>,
    Path(name): Path<String>,
) -> Answer {
    state.store.revoke_key(&name).await.map_err(problem_of)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
