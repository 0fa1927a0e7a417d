//! The access decision as extractors, whose rejection is the problem the caller reads:
//! [`Requester`] (who asks: the client's address, the access key's owner, and the limits they
//! spend) and [`Admitted`] (the carrier request the carrier's access mode lets through).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::access::{self, Presented};
use super::client_ip;
use super::keys::KEY_HEADER;
use super::layers::Routed;
use super::metrics::LimitScope;
use super::problem::{Problem, ProblemKind};
use super::rate_limit::ClientKey;
use super::routes::{self, ProxyRoute, UpstreamTarget};
use super::signed::LINK_HEADER;
use super::store::{KeyOwner, Store};
use super::ProxyState;

/// Who is asking. Extracting it verifies the access key (a wrong or revoked one is refused) and
/// spends one request of the key's limit, or of the address's when no valid key came.
pub struct Requester {
    /// The client's address (unknown only for a router served without connection info).
    pub client: Option<ClientKey>,
    /// The owner of a valid access key.
    pub key_owner: Option<KeyOwner>,
}

impl FromRequestParts<Arc<ProxyState>> for Requester {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ProxyState>,
    ) -> Result<Self, Problem> {
        let client = client_ip::client_ip(parts, &state.config.trusted_proxies).map(ClientKey::of);
        let presented = parts
            .headers
            .get(KEY_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let (key_owner, wrong_key) = match presented {
            Some(key) => match verify_key(&state.store, key).await? {
                Some(owner) => (Some(owner), false),
                None => (None, true),
            },
            None => (None, false),
        };
        // The limits, in this one place. A request with a valid access key is limited by its
        // key: one person's overview asks about a page of shipments at once, and many people may
        // share an address (a household, a carrier-grade NAT). A request without one, or with a
        // wrong one, is limited by its address, so that guessing keys is as slow as anything else.
        let limited = match (&key_owner, &client) {
            (Some(owner), _) => state.per_key.check(&owner.key).await.err().map(|wait| {
                (
                    LimitScope::AccessKey,
                    "too many requests with this access key",
                    wait,
                )
            }),
            (None, Some(client)) => state.per_ip.check(client).await.err().map(|wait| {
                (
                    LimitScope::ClientIp,
                    "too many requests from this address",
                    wait,
                )
            }),
            (None, None) => {
                // Only a server started without connection info gets here (an embedding router
                // served without `into_make_service_with_connect_info`): say so once rather than
                // per request.
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    tracing::warn!(
                        "client addresses are unknown, so per-address rate limits are off"
                    );
                });
                None
            }
        };
        if let Some((scope, detail, wait)) = limited {
            state.metrics.rate_limited(scope);
            return Err(Problem::new(ProblemKind::RateLimited, detail).retry_after(wait));
        }
        // A key that is wrong or revoked is said so, whatever is asked: its holder must learn
        // that the link no longer works, and it reveals nothing about any shipment.
        if wrong_key {
            return Err(Problem::new(
                ProblemKind::Unauthorized,
                "the access key is unknown or revoked",
            ));
        }
        Ok(Requester { client, key_owner })
    }
}

/// Whose key this is. A failing database refuses (fails closed).
async fn verify_key(store: &Arc<dyn Store>, key: String) -> Result<Option<KeyOwner>, Problem> {
    store.verify_key(&key).await.map_err(|error| {
        tracing::error!(%error, "the access database failed; refusing the key");
        Problem::new(
            ProblemKind::AccessUnavailable,
            "access keys cannot be checked right now",
        )
        .retry_after(std::time::Duration::from_secs(5))
    })
}

/// A request under `/carriers/` that may go on: the [`Requester`] passed its limits, the path
/// is on the allow-list, the carrier is configured, and the carrier's access mode lets the
/// requester read what it asks about (a key whose scope holds it, or a signed link naming it).
pub enum Admitted {
    /// `/carriers/by-partner/{partner_id}`: which carrier serves a partner's numbers.
    Partner(String),
    /// A call to the carrier.
    Carrier {
        target: UpstreamTarget,
        /// Who asks, for the client's share of the carrier's budget.
        client: Option<ClientKey>,
    },
}

impl FromRequestParts<Arc<ProxyState>> for Admitted {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ProxyState>,
    ) -> Result<Self, Problem> {
        let requester = Requester::from_request_parts(parts, state).await?;
        let target = match routes::parse(parts.uri.path(), parts.uri.query(), routes::core_check)? {
            ProxyRoute::PartnerCarrier(partner_id) => return Ok(Admitted::Partner(partner_id)),
            ProxyRoute::Upstream(target) => target,
        };
        let carrier = target.carrier.as_str();
        let Some(upstream) = state.carriers.get(&target.carrier) else {
            return Err(Problem::new(
                ProblemKind::NotFound,
                format!("{carrier} is not configured on this proxy"),
            ));
        };
        let presented = Presented {
            key_owner: requester.key_owner.as_ref(),
            link: parts
                .headers
                .get(LINK_HEADER)
                .and_then(|value| value.to_str().ok()),
        };
        if let Err(problem) = access::decide(
            &state.store,
            state.config.link_secret.as_ref(),
            upstream.config().access,
            &target,
            presented,
        )
        .await
        {
            return Err(problem.routed(Routed {
                carrier,
                masked_path: Some(target.masked),
            }));
        }
        Ok(Admitted::Carrier {
            target,
            client: requester.client,
        })
    }
}
