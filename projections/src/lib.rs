//! registre-projections
