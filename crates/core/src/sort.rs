//! One stable sort for every list core and the widget order. Each `sort_by_key` call on a new
//! element type compiles the whole standard sort again (about 3 KB of wasm each); sorting
//! `(key, position)` pairs instead needs a single copy, whatever is being sorted.

/// Sorts `items` by an integer key, keeping the given order among equal keys. For a descending
/// order pass `!key` (bitwise not reverses the order of `i64` without overflowing).
pub fn sort_by_int_key<T>(items: &mut Vec<T>, key: impl Fn(&T) -> i64) {
    let mut keyed: Vec<(i64, usize)> = items.iter().map(key).zip(0..).collect();
    // The position makes every pair distinct, so the unstable sort keeps equal keys in order.
    keyed.sort_unstable();
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(keyed.into_iter().filter_map(|(_, at)| slots[at].take()));
}

/// Sorts texts and drops repeats: for lists whose order only has to be deterministic, such as
/// Di's linked parcel numbers. A heapsort keeps it to a fraction of the standard sort's code while
/// staying O(n log n), so a hostile answer with thousands of numbers costs no more than sorting
/// them should. Equal texts are indistinguishable, so stability does not matter.
pub fn sort_dedup_texts(items: &mut Vec<String>) {
    let len = items.len();
    for root in (0..len / 2).rev() {
        sift_down(items, root, len);
    }
    for end in (1..len).rev() {
        items.swap(0, end);
        sift_down(items, 0, end);
    }
    items.dedup();
}

/// Moves `items[root]` down the max-heap held in `items[..end]` until both children are smaller.
fn sift_down(items: &mut [String], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && items[child] < items[child + 1] {
            child += 1;
        }
        if items[root] >= items[child] {
            return;
        }
        items.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_keep_their_order_and_not_reverses_it() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_by_int_key(&mut items, |&(key, _)| key);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        sort_by_int_key(&mut items, |&(key, _)| !key);
        assert_eq!(items, [(3, 'a'), (3, 'c'), (2, 'd'), (1, 'b'), (1, 'e')]);
        let mut extremes = vec![0, i64::MIN, i64::MAX, -1];
        sort_by_int_key(&mut extremes, |&n| !n);
        assert_eq!(extremes, [i64::MAX, 0, -1, i64::MIN]);
    }

    #[test]
    fn texts_are_sorted_once_each() {
        let mut texts = vec!["b".to_owned(), "a".to_owned(), "b".to_owned()];
        sort_dedup_texts(&mut texts);
        assert_eq!(texts, ["a", "b"]);
        let mut many: Vec<String> = ["7", "3", "9", "1", "3", "8", "2", "7"]
            .map(String::from)
            .into();
        sort_dedup_texts(&mut many);
        assert_eq!(many, ["1", "2", "3", "7", "8", "9"]);
    }

    #[test]
    fn thousands_of_texts_in_any_order_come_out_sorted_and_once_each() {
        // Reversed, already sorted and interleaved inputs are the classic worst cases of simple
        // sorts; each number appears twice.
        let numbers: Vec<String> = (0..3_000).map(|n| format!("{:05}", n)).collect();
        let mut reversed: Vec<String> = numbers.iter().rev().chain(&numbers).cloned().collect();
        let mut interleaved: Vec<String> = (0..6_000)
            .map(|i| numbers[(i * 7919) % 3_000].clone())
            .collect();
        sort_dedup_texts(&mut reversed);
        sort_dedup_texts(&mut interleaved);
        assert_eq!(reversed, numbers);
        assert_eq!(interleaved, numbers);
        let mut empty: Vec<String> = Vec::new();
        sort_dedup_texts(&mut empty);
        assert!(empty.is_empty());
    }
}
