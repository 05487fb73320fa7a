//! The audit trail for auditors: the tree head, the instance's public key
//! and proofs, so an auditor can check with their own tools that the
//! record they are shown is complete and unaltered. For auditors and the
//! secretariat.
//!
//! Hashes and signatures are lowercase hex; every proof carries the
//! signed heads of its sizes when they were signed, and was checked by
//! registre's own verifier before it is returned (see `audit::proof`).

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use registre_audit::SignedTreeHead;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::schema::app;
use crate::audit_trail::AuditTrail;
use crate::audit_trail::proof::{self, ProofRequestError};

/// A tree head signed with the instance's key.
#[derive(SimpleObject)]
pub struct SignedHead {
    pub tree_size: u64,
    pub root_hash: String,
    /// When it was signed.
    pub timestamp: DateTime<Utc>,
    /// First 8 bytes of SHA-256 of the public key that signed it, in hex.
    pub key_id: String,
    /// Ed25519 signature, in hex.
    pub signature: String,
}

impl From<SignedTreeHead> for SignedHead {
    fn from(h: SignedTreeHead) -> Self {
        SignedHead {
            tree_size: h.tree_size,
            root_hash: hex::encode(h.root_hash),
            timestamp: h.timestamp,
            key_id: h.key_id,
            signature: hex::encode(h.signature),
        }
    }
}

/// The Merkle tree over the log, as the audit trail has recorded it.
#[derive(SimpleObject)]
pub struct TreeHead {
    /// Events recorded in the tree.
    pub size: u64,
    /// Root hash of the whole tree (RFC 9162, SHA-256).
    pub root_hash: String,
    /// The latest signed head, if one was signed.
    pub latest_signed_head: Option<SignedHead>,
}

/// The instance's audit public key.
#[derive(SimpleObject)]
#[graphql(name = "AuditPublicKey")]
pub struct AuditPublicKeyView {
    pub key_id: String,
    /// `registre-audit-public-v1:<hex>`, as in the `audit.pub` file.
    pub text: String,
}

/// Proof that an event is in the log of `treeSize` events.
#[derive(SimpleObject)]
#[graphql(name = "InclusionProof")]
pub struct InclusionProofView {
    pub position: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root_hash: String,
    /// Sibling hashes from the leaf up.
    pub proof: Vec<String>,
    /// The head signed at exactly `treeSize`, if any.
    pub tree_head: Option<SignedHead>,
    pub how_to_check: String,
}

/// Proof that the log of `secondSize` events extends that of `firstSize`.
#[derive(SimpleObject)]
#[graphql(name = "ConsistencyProof")]
pub struct ConsistencyProofView {
    pub first_size: u64,
    pub second_size: u64,
    pub first_root: String,
    pub second_root: String,
    pub proof: Vec<String>,
    pub first_head: Option<SignedHead>,
    pub second_head: Option<SignedHead>,
    pub how_to_check: String,
}

fn hexes(hs: &[registre_audit::Hash]) -> Vec<String> {
    hs.iter().map(hex::encode).collect()
}

fn trail<'a>(ctx: &Context<'a>) -> Result<&'a AuditTrail, ApiError> {
    app(ctx)
        .audit_trail()
        .ok_or_else(|| ApiError::Internal("the audit trail is not running".into()))
}

/// Refusals an auditor can act on, in French; a failed self-check is an
/// internal error (the record is damaged: the operator must look).
fn proof_error(e: ProofRequestError) -> ApiError {
    match e.message_fr() {
        Some(message) => ApiError::bad_input(message, e.to_string()),
        None => ApiError::Internal(e.to_string()),
    }
}

/// Queries on the audit trail.
#[derive(Default)]
pub struct AuditQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl AuditQuery {
    /// Size and root of the audit tree, and the latest signed head.
    async fn tree_head(&self, ctx: &Context<'_>) -> Result<TreeHead, ApiError> {
        let t = trail(ctx)?;
        Ok(TreeHead {
            size: t.size(),
            root_hash: hex::encode(t.root()),
            latest_signed_head: t.latest_head().map(Into::into),
        })
    }

    /// The public key that signs tree heads.
    async fn public_key(&self, ctx: &Context<'_>) -> Result<AuditPublicKeyView, ApiError> {
        let key = trail(ctx)?.public_key();
        Ok(AuditPublicKeyView {
            key_id: key.key_id(),
            text: key.to_text(),
        })
    }

    /// Proof that the event at `position` is in the log of `treeSize`
    /// events (default: the latest signed head's size when it covers the
    /// position, else the whole tree).
    async fn inclusion_proof(
        &self,
        ctx: &Context<'_>,
        position: u64,
        tree_size: Option<u64>,
    ) -> Result<InclusionProofView, ApiError> {
        let p = trail(ctx)?
            .inclusion_proof(position, tree_size)
            .map_err(proof_error)?;
        Ok(InclusionProofView {
            position: p.position,
            leaf_index: p.leaf_index,
            tree_size: p.tree_size,
            leaf_hash: hex::encode(p.leaf_hash),
            root_hash: hex::encode(p.root_hash),
            proof: hexes(&p.proof),
            tree_head: p.tree_head.map(Into::into),
            how_to_check: p.how_to_check.to_owned(),
        })
    }

    /// Proof that the log of `to` events extends the log of `from` events.
    async fn consistency_proof(
        &self,
        ctx: &Context<'_>,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProofView, ApiError> {
        let p: proof::ConsistencyProof = trail(ctx)?
            .consistency_proof(from, to)
            .map_err(proof_error)?;
        Ok(ConsistencyProofView {
            first_size: p.first_size,
            second_size: p.second_size,
            first_root: hex::encode(p.first_root),
            second_root: hex::encode(p.second_root),
            proof: hexes(&p.proof),
            first_head: p.first_head.map(Into::into),
            second_head: p.second_head.map(Into::into),
            how_to_check: p.how_to_check.to_owned(),
        })
    }
}
