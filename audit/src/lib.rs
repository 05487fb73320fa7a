//! registre-audit
