//! Parts of the widget that a release build moves out of the first wasm module (build.rs,
//! scripts/split-release.mjs): the details below the headline, the overview of a key's
//! shipments, and the views of the states an answer brings with the form for a number. Each is a `#[wasm_split]` function in the fallible form; this module shows what it
//! gives once its module is here, and, when the module cannot be fetched, a line that says so with
//! a button that tries again, never a dead widget. Development builds and tests are one module:
//! there the parts are shown at once, as before the split (tests/e2e/split.test.mjs covers the
//! split build).

use std::future::Future;

use leptos::prelude::*;

use crate::i18n::{tr, Locale};

/// A later part's module could not be fetched or instantiated (offline, a blocked address, a
/// server without the file). Nothing is cached: the next attempt fetches it again.
#[derive(Debug, Clone, thiserror::Error)]
#[error("a part of the widget could not load")]
pub struct ModuleUnavailable;

#[cfg(trackline_split)]
impl From<leptos::wasm_split::SplitLoaderError> for ModuleUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ModuleUnavailable
    }
}

/// What `load` gives, once it is loaded; until then nothing, and after a failed load a line with
/// a button that calls `load` again.
pub fn when_loaded<Load, Loading>(locale: Signal<Locale>, load: Load) -> impl IntoView
where
    Load: Fn() -> Loading + Send + Sync + 'static,
    Loading: Future<Output = Result<AnyView, ModuleUnavailable>> + Send + 'static,
{
    when_loaded_or(locale, |_| ().into_any(), load)
}

/// [`when_loaded`], showing `pending` until `load` has first given its view or failed (a state's
/// message keeps the loading placeholder until its module is here). When the module is here
/// already, `load` gives its view at once and `pending` is taken away before the page is drawn.
/// A retry after a failed load keeps the failure's line until the next attempt ends.
pub fn when_loaded_or<Load, Loading>(
    locale: Signal<Locale>,
    pending: fn(Locale) -> AnyView,
    load: Load,
) -> impl IntoView
where
    Load: Fn() -> Loading + Send + Sync + 'static,
    Loading: Future<Output = Result<AnyView, ModuleUnavailable>> + Send + 'static,
{
    let attempt = RwSignal::new(0_u32);
    let settled = RwSignal::new(false);
    let loaded = move || {
        attempt.track();
        let loading = load();
        Suspend::new(async move {
            let result = loading.await;
            settled.set(true);
            match result {
                Ok(view) => view,
                Err(ModuleUnavailable) => view! {
                    <p class="tl-later-unavailable" role="status" data-testid="later-unavailable">
                        {move || tr(locale.get(), "later.unavailable")} " "
                        <button
                            type="button"
                            class="tl-link-button"
                            data-testid="later-retry"
                            // The line stays until the next attempt gives its view or fails.
                            on:click=move |_| attempt.update(|n| *n += 1)
                        >
                            {move || tr(locale.get(), "later.retry")}
                        </button>
                    </p>
                }
                .into_any(),
            }
        })
    };
    view! {
        {move || (!settled.get()).then(|| pending(locale.get()))}
        {loaded}
    }
}
