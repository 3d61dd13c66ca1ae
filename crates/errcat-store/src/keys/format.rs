//! The API-key format: `<prefix>_<environment>_<random><checksum>`, in the manner of GitHub's
//! and Stripe's keys.
//!
//! - `prefix` names the API (`mfx`), `environment` the key's environment (`test`, `live`):
//!   lower-case ASCII letters and digits, 1 to 16 characters each;
//! - `random` is 30 base62 characters from the operating system's random source (about 178
//!   bits): the first 8 are the key's public id, the other 22 (about 131 bits) its secret;
//! - `checksum` is the CRC32 of everything before it, in 6 base62 characters, so a typo or a
//!   truncated key is known to be malformed without asking any store, and secret scanners can
//!   tell a real key from a random string.
//!
//! ```
//! use errcat_store::keys::ApiKeySecret;
//!
//! let key = ApiKeySecret::generate("mfx", "test")?;
//! let text = key.expose();
//! assert!(text.starts_with("mfx_test_"));
//! assert_eq!(text.len(), "mfx_test_".len() + 36);
//! let parsed = ApiKeySecret::parse(text)?;
//! assert_eq!(parsed.id(), key.id());
//! assert_eq!(parsed.environment(), "test");
//!
//! // One changed character breaks the checksum.
//! let mut typo = text.to_owned();
//! typo.replace_range(12..13, if &text[12..13] == "a" { "b" } else { "a" });
//! assert!(ApiKeySecret::parse(&typo).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Base62 characters of randomness in a key.
pub const RANDOM_LEN: usize = 30;
/// Of those, how many make the key's public id.
pub const ID_LEN: usize = 8;
/// Base62 characters of the CRC32 checksum.
pub const CHECKSUM_LEN: usize = 6;
/// The longest prefix or environment name.
pub const MAX_NAME_LEN: usize = 16;

/// Why a string is not a well-formed key. Each reason is found offline, without a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedKey {
    /// Not `<prefix>_<environment>_<36 characters>`.
    Shape,
    /// A character outside base62 in the random part or checksum.
    Alphabet,
    /// The checksum does not match: a typo, or a key cut short.
    Checksum,
}

impl fmt::Display for MalformedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MalformedKey::Shape => {
                "not an API key: expected <prefix>_<environment>_ then 36 letters and digits"
            }
            MalformedKey::Alphabet => "not an API key: only letters and digits follow the prefix",
            MalformedKey::Checksum => {
                "the key's checksum does not match: it has a typo or was cut short"
            }
        })
    }
}

impl std::error::Error for MalformedKey {}

/// Why a key could not be generated.
#[derive(Debug)]
pub enum GenerateError {
    /// The prefix or environment is empty, too long, or not lower-case letters and digits.
    Name(String),
    /// The operating system's random source failed.
    Random(String),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::Name(m) | GenerateError::Random(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for GenerateError {}

/// A whole API key, secret included, as a client sends it. Its `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret {
    text: String,
    /// Byte offsets: the end of the prefix, of the environment, of the id.
    prefix_end: usize,
    env_end: usize,
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeySecret({}…)", self.id())
    }
}

impl ApiKeySecret {
    /// A new key for `prefix` and `environment`, from the operating system's random source.
    pub fn generate(prefix: &str, environment: &str) -> Result<ApiKeySecret, GenerateError> {
        check_name("prefix", prefix)?;
        check_name("environment", environment)?;
        let mut random = [0u8; RANDOM_LEN];
        // Rejection sampling keeps every character uniform over the 62.
        let mut filled = 0;
        while filled < RANDOM_LEN {
            let mut bytes = [0u8; 64];
            getrandom::fill(&mut bytes)
                .map_err(|e| GenerateError::Random(format!("the OS random source failed: {e}")))?;
            for b in bytes {
                if filled < RANDOM_LEN && b < 248 {
                    random[filled] = ALPHABET[usize::from(b % 62)];
                    filled += 1;
                }
            }
        }
        let mut text = String::with_capacity(prefix.len() + environment.len() + 2 + 36);
        text.push_str(prefix);
        text.push('_');
        text.push_str(environment);
        text.push('_');
        text.extend(random.iter().map(|&b| char::from(b)));
        let sum = checksum(&text);
        text.push_str(&sum);
        Ok(ApiKeySecret {
            prefix_end: prefix.len(),
            env_end: prefix.len() + 1 + environment.len(),
            text,
        })
    }

    /// Checks the shape, alphabet and checksum of `text`, without any store.
    pub fn parse(text: &str) -> Result<ApiKeySecret, MalformedKey> {
        let tail_len = RANDOM_LEN + CHECKSUM_LEN;
        if text.len() < tail_len + 4 || !text.is_ascii() {
            return Err(MalformedKey::Shape);
        }
        let (head, tail) = text.split_at(text.len() - tail_len);
        let head = head.strip_suffix('_').ok_or(MalformedKey::Shape)?;
        let (prefix, environment) = head.split_once('_').ok_or(MalformedKey::Shape)?;
        if !is_name(prefix) || !is_name(environment) {
            return Err(MalformedKey::Shape);
        }
        if !tail.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(MalformedKey::Alphabet);
        }
        let (body, sum) = text.split_at(text.len() - CHECKSUM_LEN);
        if checksum(body) != sum {
            return Err(MalformedKey::Checksum);
        }
        Ok(ApiKeySecret {
            text: text.to_owned(),
            prefix_end: prefix.len(),
            env_end: prefix.len() + 1 + environment.len(),
        })
    }

    /// The key's prefix (`mfx`).
    pub fn prefix(&self) -> &str {
        &self.text[..self.prefix_end]
    }

    /// The key's environment (`test`).
    pub fn environment(&self) -> &str {
        &self.text[self.prefix_end + 1..self.env_end]
    }

    /// The key's public id: prefix, environment and the first 8 random characters
    /// (`mfx_test_AbCd1234`). Stores look keys up by it; it may be shown and logged.
    pub fn id(&self) -> &str {
        &self.text[..self.env_end + 1 + ID_LEN]
    }

    /// The whole key, secret included: to print once to its owner, never to log.
    pub fn expose(&self) -> &str {
        &self.text
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn check_name(what: &str, s: &str) -> Result<(), GenerateError> {
    if is_name(s) {
        Ok(())
    } else {
        Err(GenerateError::Name(format!(
            "the key's {what} {s:?} must be 1 to {MAX_NAME_LEN} lower-case letters and digits"
        )))
    }
}

/// CRC32 of `text` in 6 base62 characters, zero-padded.
fn checksum(text: &str) -> String {
    let mut n = crc32fast::hash(text.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_single_character_change_is_caught() {
        let key = ApiKeySecret::generate("mfx", "live").expect("key");
        let text = key.expose();
        for i in "mfx_live_".len()..text.len() {
            for c in ALPHABET.iter().map(|&b| char::from(b)) {
                if text[i..].starts_with(c) {
                    continue;
                }
                let mut changed = text.to_owned();
                changed.replace_range(i..i + 1, c.encode_utf8(&mut [0; 4]));
                assert_eq!(
                    ApiKeySecret::parse(&changed),
                    Err(MalformedKey::Checksum),
                    "{changed}"
                );
            }
        }
    }

    #[test]
    fn truncated_padded_and_foreign_strings_are_malformed() {
        let key = ApiKeySecret::generate("mfx", "test").expect("key");
        let text = key.expose();
        assert!(ApiKeySecret::parse(&text[..text.len() - 1]).is_err());
        assert!(ApiKeySecret::parse(&format!("{text}x")).is_err());
        assert!(ApiKeySecret::parse(&format!(" {text}")).is_err());
        for junk in [
            "",
            "mfx_test_",
            "Bearer",
            "mfx_test_demo",
            "é",
            &"a".repeat(4096),
        ] {
            assert!(ApiKeySecret::parse(junk).is_err(), "{junk:?}");
        }
        assert_eq!(
            ApiKeySecret::parse(&text.replace('_', "-")),
            Err(MalformedKey::Shape)
        );
    }

    #[test]
    fn keys_differ_and_use_the_whole_alphabet() {
        let keys: Vec<_> = (0..200)
            .map(|_| ApiKeySecret::generate("a", "b").expect("key"))
            .collect();
        let ids: std::collections::BTreeSet<_> = keys.iter().map(|k| k.id().to_owned()).collect();
        assert_eq!(ids.len(), keys.len());
        let seen: std::collections::BTreeSet<u8> = keys
            .iter()
            .flat_map(|k| k.expose().as_bytes()[4..4 + RANDOM_LEN].to_vec())
            .collect();
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn bad_names_are_refused() {
        for (p, e) in [
            ("", "test"),
            ("MFX", "test"),
            ("mfx", "te_st"),
            ("mfx", &"x".repeat(17)),
        ] {
            assert!(ApiKeySecret::generate(p, e).is_err(), "{p:?} {e:?}");
        }
    }
}
