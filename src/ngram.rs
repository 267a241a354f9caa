//! N-gram hashing: a window of word hashes → one 64-bit hash.
//!
//! Shared by the shingle samples of blocks ([`crate::shingle`]) and the signatures of whole
//! documents ([`crate::sketch`]), which hash windows of words the same way with different
//! seeds. Each word hash is already a uniform xxh3 value, so a multiply-rotate mix with a final
//! avalanche is enough, and much cheaper than hashing the window's bytes again.

/// Order-dependent mix of a window of word hashes, with a final avalanche so the top bits
/// depend on every word.
pub fn mix_window(seed: u64, words: &[u64]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = seed;
    for &w in words {
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_seed_matter() {
        assert_ne!(mix_window(1, &[10, 20]), mix_window(1, &[20, 10]));
        assert_ne!(mix_window(1, &[10, 20]), mix_window(2, &[10, 20]));
        assert_eq!(mix_window(1, &[10, 20]), mix_window(1, &[10, 20]));
    }
}
