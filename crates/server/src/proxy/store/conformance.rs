//! What every [`Store`] must do, as one check that any implementation runs against a fresh, empty
//! store: the SQLite store's tests call it, and a shared store for several replicas calls it too.

use trackline_core::reference::Reference;

use super::{parse_reference, Added, KeyOwner, ShipmentsQuery, Store, StoreError};

fn references(texts: &[&str]) -> Vec<Reference> {
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| parse_reference(index, text).expect("a valid reference"))
        .collect()
}

/// Panics, naming the behaviour, when `store` (fresh and empty) does not behave as a store must.
pub async fn check(store: &dyn Store) {
    // Users and keys.
    assert!(
        store.ensure_user("anna").await.unwrap(),
        "a new user is created"
    );
    assert!(
        !store.ensure_user("anna").await.unwrap(),
        "creating a user again changes nothing"
    );
    assert!(matches!(
        store.ensure_user("bad name").await,
        Err(StoreError::InvalidName(_))
    ));
    let key = store.create_key("anna", "anna-phone").await.unwrap();
    assert_eq!(
        store.verify_key(&key).await.unwrap(),
        Some(KeyOwner {
            user: "anna".into(),
            key: "anna-phone".into()
        }),
        "a new key is accepted"
    );
    assert!(matches!(
        store.create_key("anna", "anna-phone").await,
        Err(StoreError::DuplicateKey(_))
    ));
    assert!(matches!(
        store.create_key("nobody", "nobody-key").await,
        Err(StoreError::UnknownUser(_))
    ));
    assert_eq!(
        store
            .verify_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .unwrap(),
        None
    );
    let listed = store.keys(Some("anna")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "anna-phone");

    // Shipments: idempotent, normalized, searchable, newest first.
    let first = store
        .add_shipments(
            "anna",
            &references(&["sscc=370724760010119754", "cref=ORDER-88231"]),
        )
        .await
        .unwrap();
    assert_eq!(first.added, 2);
    assert_eq!(
        store
            .add_shipments("anna", &references(&["sscc=3707 2476 0010 1197 54"]))
            .await
            .unwrap(),
        Added {
            added: 0,
            already_registered: 1
        },
        "a reference written another way is the same reference"
    );
    assert!(store
        .in_scope("anna", &["370724760010119754".into()])
        .await
        .unwrap());
    assert!(
        !store
            .in_scope("anna", &["ORDER-8823".into()])
            .await
            .unwrap(),
        "scope matches whole references only"
    );
    let page = store
        .shipments("anna", &ShipmentsQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(
        page.shipments[0].reference.number(),
        "ORDER-88231",
        "newest first"
    );
    let searched = store
        .shipments(
            "anna",
            &ShipmentsQuery {
                search: Some("88231".into()),
                ..ShipmentsQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(searched.total, 1);

    // Partners: a partner user sees what anyone registered with its partner id.
    store.ensure_user("shop").await.unwrap();
    store.ensure_user("carrier-4711").await.unwrap();
    store
        .add_shipments("shop", &references(&["vp=4711&vpref=370724760010119778"]))
        .await
        .unwrap();
    let partnered = vec!["370724760010119778".to_owned()];
    assert!(!store.in_scope("carrier-4711", &partnered).await.unwrap());
    assert!(store.bind_partner("carrier-4711", "4711").await.unwrap());
    assert!(store.in_scope("carrier-4711", &partnered).await.unwrap());
    assert!(!store.in_scope("anna", &partnered).await.unwrap());
    assert_eq!(
        store
            .visible_shipments("carrier-4711", &ShipmentsQuery::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(store.user("carrier-4711").await.unwrap().partners, ["4711"]);

    // Limits, removal, revocation.
    let many: Vec<Reference> = (0..1_001)
        .map(|n| Reference::CustomerReference {
            number: format!("R{n}"),
        })
        .collect();
    assert!(matches!(
        store.add_shipments("anna", &many).await,
        Err(StoreError::TooManyReferences(1_001))
    ));
    assert_eq!(
        store.user("anna").await.unwrap().shipments,
        2,
        "a refused call adds nothing"
    );
    assert_eq!(
        store
            .remove_shipments("anna", &references(&["cref=ORDER-88231"]))
            .await
            .unwrap(),
        1
    );
    store.revoke_key("anna-phone").await.unwrap();
    assert_eq!(
        store.verify_key(&key).await.unwrap(),
        None,
        "a revoked key is refused"
    );
    assert!(matches!(
        store.revoke_key("anna-phone").await,
        Err(StoreError::UnknownKey(_))
    ));

    // Markers.
    assert_eq!(store.marker("key_file_migrated").await.unwrap(), None);
    store
        .set_marker("key_file_migrated", "keys.toml")
        .await
        .unwrap();
    assert_eq!(
        store.marker("key_file_migrated").await.unwrap().as_deref(),
        Some("keys.toml")
    );
}
