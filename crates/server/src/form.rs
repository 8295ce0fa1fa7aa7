//! Reading urlencoded forms whose fields repeat or vary (checkbox lists, one radio group per
//! item), received as `(name, value)` pairs.

/// The first value of `key`, or empty when the form lacks it (an unticked box, a new form).
pub fn value(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Every value of `key`, in order.
pub fn values(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
}
