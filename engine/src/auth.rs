//! Passwords (argon2id) and API tokens (random, stored only as a SHA-256 hash).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long a login token stays valid.
pub const TOKEN_TTL_HOURS: i64 = 12;

/// A freshly issued token: shown once, then only its hash exists.
#[derive(Debug, Clone, Serialize)]
pub struct LoginToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// How much work hashing a new password costs. Verifying reads the parameters from the stored
/// hash, so either kind of hash verifies whatever the engine is set to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HashCost {
    /// argon2id's recommended parameters (19 MiB, 2 passes): every real account.
    #[default]
    Production,
    /// The smallest parameters argon2id allows, for test suites that create users and sign
    /// in hundreds of times. Never for real accounts: such a hash is cheap to guess at.
    TestsOnly,
}

fn hasher(cost: HashCost) -> Argon2<'static> {
    match cost {
        HashCost::Production => Argon2::default(),
        HashCost::TestsOnly => match Params::new(Params::MIN_M_COST, 1, 1, None) {
            Ok(p) => Argon2::new(Algorithm::Argon2id, Version::V0x13, p),
            Err(_) => Argon2::default(),
        },
    }
}

/// Hashes a password with argon2id and a random salt, in PHC string form.
pub fn hash_password(password: &str) -> Result<String, String> {
    hash_password_at(password, HashCost::Production)
}

/// Hashes a password at the given cost.
pub(crate) fn hash_password_at(password: &str, cost: HashCost) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored PHC hash; a malformed hash never verifies.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random token (256 bits, URL-safe base64).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token: its SHA-256, hex-encoded. A stolen database does not
/// yield usable tokens, and a fast hash is enough because tokens carry 256 random bits.
pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("mật khẩu").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu", &h));
        assert!(!verify_password("mat khau", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn cheap_test_hashes_are_argon2id_and_verify_like_the_others() {
        let h = hash_password_at("mật khẩu", HashCost::TestsOnly).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{h}");
        assert!(verify_password("mật khẩu", &h));
        assert!(!verify_password("mat khau", &h));
        assert!(hash_password("x").unwrap().contains("m=19456,t=2,p=1"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
