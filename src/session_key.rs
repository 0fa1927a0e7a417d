//! Where the tab keeps a personal access key once it has left the address bar
//! (`options::read_page_url`). The loader (`js/trackline.js`) reads it too, to keep the place of
//! the overview a reload shows: the widget's build writes it in. This file has no dependencies,
//! so that the build script can include it as it is.

/// The `sessionStorage` item that holds the access key.
pub const SESSION_KEY_ITEM: &str = "trackline.access-key";
