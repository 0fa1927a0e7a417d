//! The form shown when the link carries no reference: type or paste a number or a whole link,
//! with live recognition (carrier candidates, a suggestion for a mistyped check digit).

use leptos::prelude::*;
use trackline_core::identifier::{detect, CheckDigit, DetectMode};
use trackline_core::reference;

use crate::i18n::{tr, Locale};
use crate::options::WidgetOptions;

/// What the form says about the current input, computed on every keystroke.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recognition {
    /// `carrier format` labels of every candidate, best first.
    pub candidates: Vec<String>,
    /// Corrections for a failing check digit.
    pub suggestions: Vec<String>,
    /// References a pasted link carries.
    pub references: Vec<String>,
}

/// Recognizes a typed value: a link is read for its references, a bare value by `detect`.
pub fn recognize(input: &str) -> Recognition {
    let input = input.trim();
    if input.is_empty() {
        return Recognition::default();
    }
    let mut recognition = Recognition::default();
    if input.contains('?') || input.contains('=') || input.contains('#') {
        recognition.references = reference::parse(input)
            .references
            .iter()
            .map(|r| r.number().to_owned())
            .collect();
        return recognition;
    }
    let detection = detect(input, DetectMode::Standard);
    for candidate in &detection.candidates {
        let carrier = candidate.carrier.map_or("GS1", |c| c.as_str());
        let mut label = format!("{carrier} · {}", candidate.format.id());
        if matches!(candidate.check_digit, CheckDigit::Invalid { .. }) {
            label.push_str(" · check digit fails");
        }
        if !recognition.candidates.contains(&label) {
            recognition.candidates.push(label);
        }
        for suggestion in &candidate.suggestions {
            if !recognition.suggestions.contains(suggestion) {
                recognition.suggestions.push(suggestion.clone());
            }
        }
    }
    recognition
}

#[component]
pub fn EntryForm(options: WidgetOptions, locale: Locale) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let recognition = Memo::new(move |_| recognize(&draft.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = draft.get_untracked();
        if !value.trim().is_empty() {
            options.typed.set(Some(value));
        }
    };
    view! {
        <form class="tl-state tl-entry" data-testid="no-reference" data-state="no_reference" on:submit=submit>
            <p class="tl-state-title">{tr(locale, "state.no_reference.title")}</p>
            <p class="tl-state-body">{tr(locale, "state.no_reference.body")}</p>
            <label class="tl-label" for="tl-entry-input">{tr(locale, "state.no_reference.label")}</label>
            <div class="tl-entry-row">
                <input
                    id="tl-entry-input"
                    class="tl-input"
                    data-testid="entry-input"
                    type="text"
                    inputmode="text"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <button class="tl-button" type="submit" data-testid="entry-submit">
                    {tr(locale, "state.no_reference.submit")}
                </button>
            </div>
            <div class="tl-recognition" data-testid="recognition" aria-live="polite">
                {move || {
                    let recognition = recognition.get();
                    let typed = !draft.get().trim().is_empty();
                    let candidates = recognition.candidates.clone();
                    let references = recognition.references.clone();
                    view! {
                        {(!candidates.is_empty() || !references.is_empty()).then(|| view! {
                            <p class="tl-label">{tr(locale, "state.no_reference.recognized")}</p>
                            <ul class="tl-candidates">
                                {candidates.into_iter().chain(references).map(|label| view! {
                                    <li data-testid="candidate">{label}</li>
                                }).collect_view()}
                            </ul>
                        })}
                        {(typed && recognition.candidates.is_empty() && recognition.references.is_empty()).then(|| view! {
                            <p class="tl-empty" data-testid="unknown-shape">{tr(locale, "state.no_reference.unknown_shape")}</p>
                        })}
                        {recognition.suggestions.first().cloned().map(|suggestion| {
                            let fill = suggestion.clone();
                            view! {
                                <p class="tl-suggestion">
                                    {tr(locale, "state.no_reference.suggestion")} " "
                                    <button type="button" class="tl-link-button" data-testid="suggestion"
                                        on:click=move |_| draft.set(fill.clone())>
                                        {suggestion}
                                    </button>
                                    "?"
                                </p>
                            }
                        })}
                    }
                }}
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_check_digit_gets_the_correction_suggested() {
        let recognition = recognize("370724760010119755");
        assert!(recognition
            .suggestions
            .contains(&"370724760010119754".to_owned()));
        assert!(recognition
            .candidates
            .iter()
            .any(|c| c.contains("check digit fails")));
    }

    #[test]
    fn a_pasted_link_is_read_for_its_references() {
        let recognition = recognize("https://shop.example/t?tracking=520000011395200025009871");
        assert_eq!(recognition.references, vec!["520000011395200025009871"]);
    }

    #[test]
    fn an_inpost_number_is_recognized_as_inpost() {
        let recognition = recognize("520000011395200025009871");
        assert!(recognition
            .candidates
            .iter()
            .any(|c| c.starts_with("inpost")));
    }
}
