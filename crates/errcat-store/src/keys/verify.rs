//! [`Verifier`]: a key's hash compared once, then remembered by a keyed tag of the secret.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, PoisonError, RwLock};

use siphasher::sip128::{Hasher128 as _, SipHasher24};

use super::{ApiKeySecret, KeyHasher, KeyRecord};

/// How many verified keys a [`Verifier`] remembers before it starts again from none.
pub const DEFAULT_VERIFIED: usize = 10_000;

/// Checks presented keys against their records, and remembers the ones that matched, so that a
/// key in steady use is hashed with SHA-256 (or HMAC-SHA256) once, not on every request.
///
/// What it remembers of a match is the record, exactly as the store handed it over (the same
/// `Arc`), under a 128-bit SipHash-2-4 tag of the secret, keyed with 16 random bytes drawn when
/// the verifier is made. A later request whose secret has the same tag, and whose lookup
/// returns that same record, is the same key. Nothing is remembered for a key that fails, so a
/// stranger's guesses take no room; the memo holds at most `capacity` records and empties
/// itself when full. A record the store replaces (a revocation, a ttl in
/// [`CachedKeyStore`](super::CachedKeyStore) running out) is a new `Arc`, compared in full
/// again. A store that makes a new record on every lookup gains nothing, and loses nothing.
///
/// ```
/// use std::sync::Arc;
/// use errcat_store::keys::{ApiKeySecret, KeyHasher, KeyRecord, Verifier};
///
/// let hasher = KeyHasher::sha256();
/// let secret = ApiKeySecret::generate("mfx", "test")?;
/// let record = Arc::new(KeyRecord::new(&secret, &hasher, "CI key", "acct_1"));
/// let verifier = Verifier::new(hasher.clone());
///
/// let sent = ApiKeySecret::parse(secret.expose())?;
/// assert!(verifier.verify(&sent, &record)); // hashed and compared
/// assert!(verifier.verify(&sent, &record)); // remembered
/// assert_eq!(verifier.remembered(), 1);
///
/// let wrong = ApiKeySecret::generate("mfx", "test")?;
/// assert!(!verifier.verify(&wrong, &record));
/// assert_eq!(verifier.remembered(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verifier {
    hasher: KeyHasher,
    /// `None` when no random key could be drawn: then every key is compared in full.
    key: Option<[u8; 16]>,
    capacity: usize,
    memo: RwLock<HashMap<u128, Arc<KeyRecord>, BuildHasherDefault<TagHasher>>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("hasher", &self.hasher)
            .field("capacity", &self.capacity)
            .field("remembered", &self.remembered())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier that hashes with `hasher` and remembers up to [`DEFAULT_VERIFIED`] keys.
    pub fn new(hasher: KeyHasher) -> Verifier {
        let mut key = [0u8; 16];
        let key = getrandom::fill(&mut key).ok().map(|()| key);
        Verifier {
            hasher,
            key,
            capacity: DEFAULT_VERIFIED,
            memo: RwLock::new(HashMap::default()),
        }
    }

    /// Remembers at most `capacity` keys; `0` remembers none, so every key is hashed every time.
    ///
    /// ```
    /// use errcat_store::keys::{KeyHasher, Verifier};
    /// let verifier = Verifier::new(KeyHasher::sha256()).capacity(0);
    /// assert_eq!(verifier.remembered(), 0);
    /// ```
    pub fn capacity(mut self, capacity: usize) -> Verifier {
        self.capacity = capacity;
        self
    }

    /// The hasher records are compared with.
    pub fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// How many verified keys it remembers now.
    pub fn remembered(&self) -> usize {
        self.memo
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether this same `record` matched this same `secret` before and is remembered: an
    /// answer from memory alone, never a hash. `false` says only "not known", not "wrong".
    ///
    /// ```
    /// use std::sync::Arc;
    /// use errcat_store::keys::{ApiKeySecret, KeyHasher, KeyRecord, Verifier};
    ///
    /// let hasher = KeyHasher::sha256();
    /// let secret = ApiKeySecret::generate("mfx", "test")?;
    /// let record = Arc::new(KeyRecord::new(&secret, &hasher, "CI key", "acct_1"));
    /// let verifier = Verifier::new(hasher);
    /// assert!(!verifier.known(&secret, &record));
    /// assert!(verifier.verify(&secret, &record));
    /// assert!(verifier.known(&secret, &record));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn known(&self, secret: &ApiKeySecret, record: &Arc<KeyRecord>) -> bool {
        match self.tag(secret) {
            Some(tag) => self.remembers(tag, record),
            None => false,
        }
    }

    /// The secret's tag, where the memo is on.
    fn tag(&self, secret: &ApiKeySecret) -> Option<u128> {
        let key = self.key.as_ref()?;
        if self.capacity == 0 {
            return None;
        }
        let mut sip = SipHasher24::new_with_key(key);
        sip.write(secret.expose().as_bytes());
        Some(sip.finish128().as_u128())
    }

    fn remembers(&self, tag: u128, record: &Arc<KeyRecord>) -> bool {
        self.memo
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&tag)
            .is_some_and(|seen| Arc::ptr_eq(seen, record))
    }

    /// Whether `secret` is `record`'s key: same id and same hash, as
    /// [`KeyRecord::matches`] tells, answered from memory when this same record matched this
    /// same secret before.
    pub fn verify(&self, secret: &ApiKeySecret, record: &Arc<KeyRecord>) -> bool {
        let Some(tag) = self.tag(secret) else {
            return record.matches(secret, &self.hasher);
        };
        if self.remembers(tag, record) {
            return true;
        }
        if !record.matches(secret, &self.hasher) {
            return false;
        }
        let mut memo = self.memo.write().unwrap_or_else(PoisonError::into_inner);
        if memo.len() >= self.capacity {
            memo.clear();
        }
        memo.insert(tag, record.clone());
        true
    }
}

/// The memo's keys are SipHash tags already, uniform and unknown to clients: their low 64
/// bits are the table's hash as they are.
#[derive(Default)]
struct TagHasher(u64);

impl Hasher for TagHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (ApiKeySecret, Arc<KeyRecord>, KeyHasher) {
        let hasher = KeyHasher::sha256();
        let secret = ApiKeySecret::generate("mfx", "test").unwrap_or_else(|e| panic!("{e}"));
        let record = Arc::new(KeyRecord::new(&secret, &hasher, "k", "acct"));
        (secret, record, hasher)
    }

    #[test]
    fn a_remembered_key_is_known_only_with_the_same_record() {
        let (secret, record, hasher) = key();
        let verifier = Verifier::new(hasher.clone());
        assert!(verifier.verify(&secret, &record));
        assert_eq!(verifier.remembered(), 1);
        // The store replaced the record (revoked, refreshed): a new Arc is compared again, and
        // a record with another hash under the same id does not match the remembered secret.
        let other = ApiKeySecret::generate("mfx", "test").unwrap_or_else(|e| panic!("{e}"));
        let mut replaced = KeyRecord::new(&other, &hasher, "k", "acct");
        replaced.id = record.id.clone();
        assert!(!verifier.verify(&secret, &Arc::new(replaced)));
        let same = Arc::new((*record).clone());
        assert!(verifier.verify(&secret, &same));
        // One entry per secret: the newer record took the older one's place.
        assert_eq!(verifier.remembered(), 1);
    }

    #[test]
    fn failures_take_no_room_and_the_memo_is_bounded() {
        let (secret, record, hasher) = key();
        let verifier = Verifier::new(hasher.clone()).capacity(2);
        for _ in 0..100 {
            let guess = ApiKeySecret::generate("mfx", "test").unwrap_or_else(|e| panic!("{e}"));
            assert!(!verifier.verify(&guess, &record));
        }
        assert_eq!(verifier.remembered(), 0);
        for _ in 0..5 {
            let s = ApiKeySecret::generate("mfx", "test").unwrap_or_else(|e| panic!("{e}"));
            let r = Arc::new(KeyRecord::new(&s, &hasher, "k", "acct"));
            assert!(verifier.verify(&s, &r));
            assert!(verifier.remembered() <= 2);
        }
        assert!(verifier.verify(&secret, &record));
    }

    #[test]
    fn a_secret_of_another_id_never_matches_a_remembered_record() {
        let (secret, record, hasher) = key();
        let verifier = Verifier::new(hasher);
        assert!(verifier.verify(&secret, &record));
        let other = ApiKeySecret::generate("mfx", "test").unwrap_or_else(|e| panic!("{e}"));
        assert!(!verifier.verify(&other, &record));
    }
}
