//! A read model's digest: SHA-256 of its JSON form. Models write their maps
//! in key order (a `BTreeMap`, or a hash map serialised sorted, as the
//! audit timeline's entities) and keep their lists in log order, so the
//! JSON, and so the digest, depends on the folded events alone: a server's
//! saved model and an offline replay to the same position have the same
//! digest.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lowercase hexadecimal SHA-256 of `model`'s JSON form.
pub fn digest<T: Serialize>(model: &T) -> String {
    struct Hasher(Sha256);
    impl std::io::Write for Hasher {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hasher(Sha256::new());
    // Models are plain data with string map keys: serialising cannot fail;
    // if it ever did, the digest of the partial output still differs.
    let _ = serde_json::to_writer(&mut h, model);
    hex::encode(h.0.finalize())
}
