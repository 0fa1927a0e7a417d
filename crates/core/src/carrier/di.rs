//! Distribution Innovation (Di, Norway): Parcel Event Log v1/v2, login, and Register Event.

mod register;

pub use register::{
    validate_register_event, Problem, RegisterEvent, RegisterEventError, Violation,
};
