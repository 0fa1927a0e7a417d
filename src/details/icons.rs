//! Status icons: one stroked 24×24 path each, drawn in the status colour. Paths rather than an
//! icon font or images: a few hundred bytes in the wasm, sharp at any size, nothing to fetch.

use trackline_core::status::Status;

pub fn status_path(status: Status) -> &'static str {
    match status {
        Status::PreTransit => "M4 8l8-4 8 4v8l-8 4-8-4zM4 8l8 4 8-4M12 12v8",
        Status::InTransit | Status::OutForDelivery => {
            "M2 6h12v10H2zM14 10h4l3 3v3h-7M6 19.5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zM17 19.5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3z"
        }
        Status::ReadyForPickup => "M4 4h16v16H4zM4 12h16M12 4v16M9 8h0M15 8h0",
        Status::Delivered => "M5 12.5l4.5 4.5L19 7.5",
        Status::FailedAttempt | Status::Exception => "M12 3l10 18H2zM12 10v4M12 17.5v.01",
        Status::Returned => "M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3",
        Status::Cancelled => "M6 6l12 12M18 6L6 18",
        Status::Unknown => "M9 9a3 3 0 1 1 4 2.8c-.6.3-1 .9-1 1.6V15M12 18.5v.01",
    }
}
