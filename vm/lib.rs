//! Empty: this crate exists only to pin lunatic-runtime 0.13.2 (see Cargo.toml).
