//! `trackline sandbox event …`: registers one Di event with a running sandbox, the way a shop's
//! system would: log in for a token, then POST Register Event.

use std::process::ExitCode;

use trackline_core::carrier::di::RegisterEvent;

use super::clock::{iso8601_utc, SandboxClock};
use super::dataset::DataSet;
use super::masking::mask;

#[derive(Debug, clap::Args)]
pub struct EventArgs {
    /// The sandbox's base URL, as printed when it starts (with `/sandbox` when inside the demo).
    #[arg(
        long,
        env = "TRACKLINE_SANDBOX_URL",
        default_value = "http://127.0.0.1:8090"
    )]
    pub url: String,
    /// Di web-service user; defaults to the built-in data set's sandbox user.
    #[arg(long, env = "TRACKLINE_SANDBOX_DI_USERNAME")]
    pub username: Option<String>,
    /// Its password; defaults to the built-in data set's sandbox password.
    #[arg(long, env = "TRACKLINE_SANDBOX_DI_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// The parcel, e.g. `370724760010119808` or `(00)370724760010119808`.
    #[arg(long)]
    pub tracking_reference: String,
    /// Three-digit event type with its leading zeros, e.g. `013`.
    #[arg(long)]
    pub event_type: String,
    /// ISO-8601 with offset; defaults to now.
    #[arg(long)]
    pub event_time: Option<String>,
    #[arg(long)]
    pub additional_info: Option<String>,
    #[arg(long)]
    pub location_context: Option<String>,
    #[arg(long)]
    pub location_context_id: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    pub lat: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    pub lon: Option<f64>,
    /// `SMS` or `EMAIL`, for communication events.
    #[arg(long)]
    pub com_channel_type: Option<String>,
    #[arg(long)]
    pub message: Option<String>,
}

#[derive(Debug, thiserror::Error)]
enum EventCommandError {
    #[error("cannot reach the sandbox at {url}: {source}. Is `trackline sandbox` running there?")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the sandbox refused the login ({status}): {body}")]
    LoginRefused { status: u16, body: String },
    #[error("the sandbox's login answer has no token: {body}")]
    NoToken { body: String },
    #[error("the sandbox refused the event ({status}): {body}")]
    EventRefused { status: u16, body: String },
}

pub async fn run(args: EventArgs) -> ExitCode {
    match register(args).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("trackline sandbox event: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn register(args: EventArgs) -> Result<String, EventCommandError> {
    let base = args.url.trim_end_matches('/').to_owned();
    let builtin = DataSet::builtin();
    let default_user = builtin.di.users.first();
    let username = args
        .username
        .or_else(|| default_user.map(|user| user.username.clone()))
        .unwrap_or_default();
    let password = args
        .password
        .or_else(|| default_user.map(|user| user.password.clone()))
        .unwrap_or_default();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("a client with a timeout builds");
    let unreachable = |source| EventCommandError::Unreachable {
        url: base.clone(),
        source,
    };

    let login = client
        .post(format!("{base}/ws/json/auth/v-3/login/5"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .map_err(unreachable)?;
    let status = login.status().as_u16();
    let body = login.text().await.map_err(unreachable)?;
    if status != 200 {
        return Err(EventCommandError::LoginRefused { status, body });
    }
    let token = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value["token"].as_str().map(str::to_owned))
        .ok_or_else(|| EventCommandError::NoToken { body: mask(&body) })?;

    let event = RegisterEvent {
        tracking_reference: args.tracking_reference,
        event_time: args
            .event_time
            .unwrap_or_else(|| iso8601_utc(SandboxClock::default().now())),
        lat: args.lat,
        lon: args.lon,
        location_context: args.location_context,
        location_context_id: args.location_context_id,
        event_type: args.event_type,
        additional_info: args.additional_info,
        com_channel_type: args.com_channel_type,
        message: args.message,
    };
    // Sent as given, not checked here: the sandbox's 400 names every violation.
    let answer = client
        .post(format!("{base}/ws/json/parcel/tracking/v-2/register"))
        .bearer_auth(&token)
        .json(&event)
        .send()
        .await
        .map_err(unreachable)?;
    let status = answer.status().as_u16();
    let body = answer.text().await.map_err(unreachable)?;
    if status != 200 {
        return Err(EventCommandError::EventRefused { status, body });
    }
    Ok(format!(
        "registered event {} for {} at {}",
        event.event_type, event.tracking_reference, event.event_time
    ))
}
