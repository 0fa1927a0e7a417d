//! `docs/status-mapping.md` is generated from the adapters' mapping tables; this test fails
//! when the committed file is stale. `UPDATE_GOLDEN=1` rewrites it.

use std::path::Path;

use trackline_core::carrier::status_mapping_markdown;

#[test]
fn the_committed_status_mapping_document_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/status-mapping.md");
    let generated = status_mapping_markdown();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/status-mapping.md is stale; regenerate it with\n\
         UPDATE_GOLDEN=1 cargo test -p trackline-core --test golden_status_mapping"
    );
}
