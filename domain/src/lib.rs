//! registre-domain
