//! Stable ordering of a list by a whole-number key, for every list core and the widget put in
//! order (events, a trail's positions, recognition's candidates, opening hours).
//!
//! std's `sort_by_key` is generic over the element and the key: each list sorted with it carries
//! its own copy of std's sort (a few kilobytes of wasm apiece, downloaded by every consumer).
//! Here std's sort runs on one type only, `(key, position)` pairs, and the list is then moved
//! into that order: one copy of the sort, whatever is sorted. The position makes equal keys keep
//! their order, as a stable sort does.

/// Puts `items` in ascending order of `key`, keeping the given order among equal keys (as
/// `slice::sort_by_key` does). For descending order, give `!key` (bitwise not reverses the order
/// of every `i64` exactly, `i64::MIN` included).
pub fn sort_by_key<T>(items: &mut Vec<T>, key: impl Fn(&T) -> i64) {
    let mut order: Vec<(i64, usize)> = items
        .iter()
        .enumerate()
        .map(|(position, item)| (key(item), position))
        .collect();
    sort_pairs(&mut order);
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    // Each position is in `order` once, so every slot is taken exactly once.
    items.extend(
        order
            .iter()
            .filter_map(|&(_, position)| slots[position].take()),
    );
}

/// The one instance of std's sort. Positions are distinct, so no two pairs are equal and the
/// unstable sort's result is the stable order by key.
#[inline(never)]
fn sort_pairs(order: &mut [(i64, usize)]) {
    order.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_keys_keep_their_given_order() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (1, 'd'), (2, 'e')];
        sort_by_key(&mut items, |&(key, _)| key);
        assert_eq!(items, [(1, 'b'), (1, 'd'), (2, 'e'), (3, 'a'), (3, 'c')]);
    }

    #[test]
    fn a_negated_key_orders_descending_with_the_extremes_in_place() {
        let mut items = vec![0, i64::MIN, 5, i64::MAX, -5, i64::MIN];
        sort_by_key(&mut items, |&value| !value);
        assert_eq!(items, [i64::MAX, 5, 0, -5, i64::MIN, i64::MIN]);
    }

    #[test]
    fn an_empty_list_stays_empty() {
        let mut items: Vec<String> = Vec::new();
        sort_by_key(&mut items, |item| item.len() as i64);
        assert!(items.is_empty());
    }

    proptest! {
        #[test]
        fn the_order_is_std_stable_sort_by_key(values in prop::collection::vec((-3i64..3, any::<u16>()), 0..64)) {
            let mut ours = values.clone();
            sort_by_key(&mut ours, |&(key, _)| key);
            let mut std_order = values;
            std_order.sort_by_key(|&(key, _)| key);
            prop_assert_eq!(ours, std_order);
        }

        #[test]
        fn a_negated_key_is_std_stable_sort_by_reversed_key(values in prop::collection::vec((any::<i64>(), any::<u8>()), 0..64)) {
            let mut ours = values.clone();
            sort_by_key(&mut ours, |&(key, _)| !key);
            let mut std_order = values;
            std_order.sort_by_key(|&(key, _)| std::cmp::Reverse(key));
            prop_assert_eq!(ours, std_order);
        }
    }
}
