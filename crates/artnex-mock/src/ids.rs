//! Request ids and key fingerprints.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn seed() -> &'static RandomState {
    static SEED: OnceLock<RandomState> = OnceLock::new();
    SEED.get_or_init(RandomState::new)
}

/// A fresh request id: `req_` followed by 20 random alphanumerics.
pub(crate) fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = seed().hash_one((n, 0x5eed_u32));
    let b = seed().hash_one((n, 0xbeef_u32));
    let mut out = String::with_capacity(24);
    out.push_str("req_");
    push_base62(&mut out, a, 10);
    push_base62(&mut out, b, 10);
    out
}

fn push_base62(out: &mut String, mut v: u64, digits: usize) {
    for _ in 0..digits {
        out.push(char::from(ALPHABET[(v % 62) as usize]));
        v /= 62;
    }
}

/// A stable, non-secret label for an API key (FNV-1a), used in the request log and the admin routes so
/// that raw keys never appear there.
pub(crate) fn key_label(key: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("key_{:08x}", h >> 32)
}

/// Whether `id` looks like something [`request_id`] could have made (cheap guard for path parameters).
pub(crate) fn plausible_id(id: &str) -> bool {
    id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A deterministic 64-bit mix of a string and a number (media seeds).
pub(crate) fn mix(s: &str, n: u64) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ n.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    h ^= h >> 31;
    h.wrapping_mul(0x94d0_49bb_1331_11eb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        assert!(a.starts_with("req_"));
        assert_eq!(a.len(), 24);
        assert!(a[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert!(plausible_id(&a));
    }

    #[test]
    fn labels_hide_the_key() {
        let l = key_label("sk-secret-value");
        assert!(!l.contains("secret"));
        assert_eq!(l, key_label("sk-secret-value"));
        assert_ne!(l, key_label("sk-secret-valuf"));
    }
}
