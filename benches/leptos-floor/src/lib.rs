//! The smallest app that uses the parts of Leptos the widget uses, and nothing of Trackline:
//! signals, memos, an effect, a task, a keyed list, a form with its events and a node reference,
//! branches erased to `AnyView`, cleanup, and mounting into an element. `scripts/size-floor`
//! builds it exactly as the widget is built and prints its size: the part of the widget's size
//! that comes with the framework before any of its own code.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[derive(Clone, PartialEq)]
enum Stage {
    Waiting,
    Found(Vec<String>),
    Failed(String),
}

async fn look_up(text: String) -> Stage {
    if text.is_empty() {
        Stage::Failed("empty".to_owned())
    } else {
        Stage::Found(text.split(' ').map(str::to_owned).collect())
    }
}

#[component]
fn Floor() -> impl IntoView {
    let stage = RwSignal::new(Stage::Waiting);
    let text = RwSignal::new(String::new());
    let count = Memo::new(move |_| match stage.get() {
        Stage::Found(words) => words.len(),
        _ => 0,
    });
    let last = StoredValue::new(0usize);
    Effect::new(move |_| last.set_value(count.get()));
    let input = NodeRef::<leptos::html::Input>::new();
    let ask = move || {
        let typed = text.get_untracked();
        leptos::task::spawn_local(async move { stage.set(look_up(typed).await) });
    };
    on_cleanup(move || stage.set(Stage::Waiting));
    view! {
        <form on:submit=move |event| {
            event.prevent_default();
            ask();
        }>
            <input
                node_ref=input
                prop:value=move || text.get()
                on:input=move |event| text.set(event_target_value(&event))
                on:keydown=move |event| {
                    if event.key() == "Escape" {
                        text.set(String::new());
                    }
                }
            />
            <button type="submit" aria-busy={move || if count.get() > 3 { "true" } else { "false" }}>
                "Ask"
            </button>
        </form>
        {move || match stage.get() {
            Stage::Waiting => view! { <p>"waiting"</p> }.into_any(),
            Stage::Failed(why) => view! { <p role="alert">{why}</p> }.into_any(),
            Stage::Found(words) => view! {
                <ol>
                    <For each=move || words.clone() key=|word| word.clone() let:word>
                        <li on:click=move |_| text.set(word.clone())>{word.clone()}</li>
                    </For>
                </ol>
            }
            .into_any(),
        }}
    }
}

/// Mounts the app into `element`; the handle unmounts it when dropped.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement) {
    std::mem::forget(leptos::mount::mount_to(element, Floor));
}
